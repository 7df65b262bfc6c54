#include "cli/workspace_commands.h"

#include <filesystem>
#include <ostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "cli/node_call.h"
#include "cli/workspace_archive.h"

namespace nucleus::cli {

namespace {

namespace fs = std::filesystem;

// Checks the destination before anything is downloaded.
Result<bool> check_destination(const std::string& dir, bool force) {
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (status.type() == fs::file_type::not_found) return true;
  if (error) return make_error(fmt::format("cannot inspect {}: {}", dir, error.message()));
  if (status.type() != fs::file_type::directory) {
    return make_error(fmt::format("{} exists and is not a directory", dir));
  }
  const bool empty = fs::is_empty(dir, error);
  if (error) return make_error(fmt::format("cannot list {}: {}", dir, error.message()));
  if (!empty && !force) {
    return make_error(fmt::format("directory {} is not empty; pass --force to extract into it anyway", dir));
  }
  return true;
}

}  // namespace

int run_workspace_pull(const NodeClient& client, const std::string& pod_id, const std::string& dir, bool force,
                       std::ostream& out, std::ostream& err) {
  auto destination = check_destination(dir, force);
  if (!destination.ok()) return report_failure(err, destination.error(), kExitUsage);

  auto archive = call_node(client, {"GET", pod_path(pod_id) + "/workspace", "", "", TokenRole::agent});
  if (!archive.ok()) return report_failure(err, archive.error(), kExitFailure);

  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return report_failure(err, fmt::format("cannot create {}: {}", dir, error.message()), kExitFailure);
  auto extracted = unpack_archive(archive->body, dir);
  if (!extracted.ok()) return report_failure(err, extracted.error(), kExitFailure);
  out << fmt::format("extracted the workspace of pod {} into {} ({} bytes of tar)\n", pod_id, dir, *extracted);
  return kExitOk;
}

}  // namespace nucleus::cli
