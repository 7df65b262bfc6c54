#include "cli/pod_commands.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/node_call.h"
#include "cli/workspace_archive.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string json_text(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const json& value = object[key];
  return value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
}

std::string format_budget(const json& pod) {
  const json budget = pod.value("budget", json::object());
  const std::string spent = json_text(budget, "spent_usd");
  const std::string limit = json_text(budget, "max_cost_usd");
  if (spent.empty()) return "-";
  return limit.empty() ? "$" + spent : fmt::format("${}/${}", spent, limit);
}

}  // namespace

Result<std::string> read_spec_file(const std::string& path) {
  std::error_code ignored;
  if (!fs::is_regular_file(path, ignored)) {
    return make_error(fmt::format("spec file {} does not exist or is not a regular file", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf())) return make_error(fmt::format("cannot read spec file {}", path));
  if (text.str().empty()) return make_error(fmt::format("spec file {} is empty", path));
  return text.str();
}

std::string spec_content_type(const std::string& path) {
  return fs::path(path).extension() == ".json" ? "application/json" : "application/yaml";
}

bool is_final_phase(const std::string& phase) {
  return phase == "succeeded" || phase == "failed" || phase == "terminated";
}

Result<bool> wait_until_running(const NodeClient& client, const std::string& pod_id,
                                const CreatePodRequest& request) {
  const auto deadline = std::chrono::steady_clock::now() + request.running_timeout;
  std::string phase;
  while (true) {
    auto status = call_node_json(client, {"GET", pod_path(pod_id), "", "", TokenRole::agent});
    if (!status.ok()) return make_error(status.error());
    phase = status->value("phase", "");
    if (phase == "running") return true;
    if (is_final_phase(phase)) {
      return make_error(fmt::format("pod {} ended in phase {} ({}) before it ran", pod_id, phase,
                                    status->value("reason", "no reason given")));
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (request.interrupted && request.interrupted()) {
      return make_error(fmt::format("interrupted while pod {} was {}", pod_id, phase));
    }
    std::this_thread::sleep_for(request.poll_interval);
  }
  return make_error(fmt::format("pod {} is still in phase {} after {} ms. Raise --timeout to wait longer", pod_id, phase,
                                request.running_timeout.count()));
}

std::string format_age(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(rfc3339.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return "?";
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  std::time_t created = timegm(&parts);
  std::string rest = rfc3339.substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') rest.erase(0, rest.find_first_not_of("0123456789", 1));
  int offset_hours = 0;
  int offset_minutes = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(rest.c_str() + 1, "%2d:%2d", &offset_hours, &offset_minutes) == 2) {
    const std::time_t offset = (offset_hours * 60 + offset_minutes) * 60;
    created += rest[0] == '+' ? -offset : offset;
  } else if (rest != "Z" && rest != "z") {
    return "?";
  }
  const auto seconds = std::max<long long>(0, std::chrono::system_clock::to_time_t(now) - created);
  if (seconds < 120) return fmt::format("{}s", seconds);
  if (seconds < 2 * 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 2 * 86400) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}d", seconds / 86400);
}

int run_pods_create(const NodeClient& client, const CreatePodRequest& request, std::ostream& out,
                    std::ostream& err) {
  auto spec = read_spec_file(request.spec_file);
  if (!spec.ok()) return report_failure(err, spec.error(), kExitUsage);
  std::optional<std::string> archive;
  if (request.workspace_dir) {
    std::error_code ignored;
    if (!fs::is_directory(*request.workspace_dir, ignored)) {
      return report_failure(
          err, fmt::format("workspace {} does not exist or is not a directory", *request.workspace_dir),
          kExitUsage);
    }
    auto packed = pack_directory(*request.workspace_dir);
    if (!packed.ok()) return report_failure(err, packed.error(), kExitUsage);
    archive = std::move(*packed);
  }

  auto created = call_node_json(
      client, {"POST", "/v1/pods", *spec, spec_content_type(request.spec_file), TokenRole::agent});
  if (!created.ok()) return report_failure(err, created.error(), kExitFailure);
  const std::string pod_id = json_text(*created, "id");
  if (pod_id.empty()) return report_failure(err, "the node's response to POST /v1/pods has no id", kExitFailure);
  out << pod_id << "\n";
  if (!archive) return kExitOk;

  auto running = wait_until_running(client, pod_id, request);
  if (!running.ok()) {
    return report_failure(err, running.error() + "; the workspace was not uploaded", kExitFailure);
  }
  auto uploaded = call_node_json(
      client, {"PUT", pod_path(pod_id) + "/workspace", *archive, "application/x-tar", TokenRole::agent});
  if (!uploaded.ok()) return report_failure(err, uploaded.error(), kExitFailure);
  err << fmt::format("uploaded {} ({} entries) to pod {}\n", *request.workspace_dir,
                     json_text(*uploaded, "entries"), pod_id);
  return kExitOk;
}

int run_pods_list(const NodeClient& client, bool as_json, std::ostream& out, std::ostream& err) {
  auto listed = call_node_json(client, {"GET", "/v1/pods", "", "", TokenRole::agent});
  if (!listed.ok()) return report_failure(err, listed.error(), kExitFailure);
  const json pods = listed->value("pods", json::array());
  if (as_json) {
    out << pods.dump(2) << "\n";
    return kExitOk;
  }
  const auto now = std::chrono::system_clock::now();
  out << fmt::format("{:<24} {:<24} {:<11} {:<5} {}\n", "ID", "NAME", "PHASE", "AGE", "BUDGET");
  for (const json& pod : pods) {
    out << fmt::format("{:<24} {:<24} {:<11} {:<5} {}\n", json_text(pod, "id"), json_text(pod, "name"),
                       json_text(pod, "phase"), format_age(json_text(pod, "created"), now), format_budget(pod));
  }
  return kExitOk;
}

int run_pods_get(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err) {
  auto status = call_node_json(client, {"GET", pod_path(pod_id), "", "", TokenRole::agent});
  if (!status.ok()) return report_failure(err, status.error(), kExitFailure);
  out << status->dump(2) << "\n";
  return kExitOk;
}

int run_pods_logs(const NodeClient& client, const std::string& pod_id, bool follow, std::ostream& out,
                  std::ostream& err) {
  const std::string path = pod_path(pod_id) + "/logs" + (follow ? "?follow=true" : "");
  auto response = client.stream(path, [&out](std::string_view chunk) { out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())).flush(); });
  if (!response.ok()) return report_failure(err, response.error(), kExitFailure);
  if (response->status != 200) return report_failure(err, client.describe_failure(*response), kExitFailure);
  return kExitOk;
}

int run_pods_delete(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err) {
  auto deleted = call_node_json(client, {"DELETE", pod_path(pod_id), "", "", TokenRole::agent});
  if (!deleted.ok()) return report_failure(err, deleted.error(), kExitFailure);
  out << "deleted pod " << pod_id << "\n";
  return kExitOk;
}

int run_pods_cancel(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err) {
  auto status = call_node_json(client, {"POST", pod_path(pod_id) + "/cancel", "", "", TokenRole::agent});
  if (!status.ok()) return report_failure(err, status.error(), kExitFailure);
  out << fmt::format("cancelled pod {}: phase {}\n", pod_id, json_text(*status, "phase"));
  return kExitOk;
}

}  // namespace nucleus::cli
