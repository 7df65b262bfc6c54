#include "cli/workspace_archive.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "proxy/process.h"

namespace nucleus::cli {

namespace {

proxy::ProcessSpec tar_spec(std::vector<std::string> argv) {
  proxy::ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = std::string(1, '/');  // not = "/", which trips a GCC 12 -Wrestrict false positive
  spec.env.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
  spec.env.emplace_back("LC_ALL=C");
  spec.timeout = std::chrono::minutes(10);
  spec.max_output_bytes = kMaxWorkspaceArchiveBytes;
  return spec;
}

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

Result<proxy::ProcessResult> run_tar(const proxy::ProcessSpec& spec, const std::string& what) {
  auto result = proxy::run_process(spec);
  if (!result.ok()) return make_error(fmt::format("{}: {}", what, result.error()));
  if (result->timed_out) return make_error(fmt::format("{}: tar timed out", what));
  if (result->exit_code != 0) {
    return make_error(fmt::format("{}: tar failed: {}", what, first_line(result->stderr_data)));
  }
  return result;
}

// `dir` as an absolute, normal path without a trailing '/', because tar
// runs from "/" and the swap needs the directory's own name.
std::filesystem::path absolute_dir(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::path path = std::filesystem::absolute(dir, ignored).lexically_normal();
  if (path.filename().empty() && path.has_parent_path()) path = path.parent_path();
  return path;
}

}  // namespace

Result<std::string> pack_directory(const std::string& dir) {
  const std::string what = fmt::format("cannot archive directory {}", dir);
  auto result = run_tar(tar_spec({"tar", "-c", "-f", "-", "-C", absolute_dir(dir).string(), "."}), what);
  if (!result.ok()) return make_error(result.error());
  if (result->stdout_truncated) {
    return make_error(fmt::format("{}: the archive exceeds {} bytes", what, kMaxWorkspaceArchiveBytes));
  }
  return std::move(result->stdout_data);
}

Result<std::size_t> unpack_archive(const std::string& archive, const std::string& dir) {
  proxy::ProcessSpec spec = tar_spec({"tar", "-x", "--no-same-owner", "-f", "-", "-C", absolute_dir(dir).string()});
  spec.stdin_data = archive;
  auto result = run_tar(spec, fmt::format("cannot extract the workspace into {}", dir));
  if (!result.ok()) return make_error(result.error());
  return archive.size();
}

}  // namespace nucleus::cli

namespace nucleus::cli {

namespace {

std::vector<std::string> entry_names(const std::filesystem::path& dir, std::error_code& error) {
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(dir, error); !error && it != std::filesystem::directory_iterator();
       it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  return names;
}

// Makes `target` contain what `staging` contains, one top-level entry at a
// time. Entries only in `target` move into `staging`, and the others are
// exchanged. Afterwards `staging` contains exactly the old entries.
Result<bool> swap_entries(const std::filesystem::path& staging, const std::filesystem::path& target) {
  std::error_code error;
  const std::vector<std::string> old_names = entry_names(target, error);
  const std::vector<std::string> new_names = entry_names(staging, error);
  if (error) return make_error(fmt::format("cannot list {}: {}", target.string(), error.message()));
  for (const std::string& name : old_names) {
    if (std::find(new_names.begin(), new_names.end(), name) != new_names.end()) continue;
    if (::rename((target / name).c_str(), (staging / name).c_str()) != 0) {
      return make_error(syscall_error("rename", (target / name).string()));
    }
  }
  for (const std::string& name : new_names) {
    const bool exists = std::find(old_names.begin(), old_names.end(), name) != old_names.end();
    const int moved = exists ? ::renameat2(AT_FDCWD, (staging / name).c_str(), AT_FDCWD, (target / name).c_str(),
                                           RENAME_EXCHANGE)
                             : ::rename((staging / name).c_str(), (target / name).c_str());
    if (moved != 0) return make_error(syscall_error(exists ? "renameat2" : "rename", (target / name).string()));
  }
  return true;
}

}  // namespace

Result<std::size_t> replace_directory_with_archive(const std::string& archive, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  // A symlinked DIR is followed, so the real directory gets the contents.
  const fs::path target = fs::canonical(absolute_dir(dir), error);
  if (error || target == target.root_path() || !fs::is_directory(target, error)) {
    return make_error(fmt::format("{} is not a directory", dir));
  }
  std::string staging_template = (target.parent_path() / ("." + target.filename().string() + ".nucleus-XXXXXX")).string();
  if (::mkdtemp(staging_template.data()) == nullptr) return make_error(syscall_error("mkdtemp", staging_template));
  const fs::path staging = staging_template;
  auto extracted = unpack_archive(archive, staging.string());
  if (!extracted.ok()) {
    fs::remove_all(staging, error);
    return extracted;
  }
  if (auto swapped = swap_entries(staging, target); !swapped.ok()) {
    return make_error(fmt::format("{} was only partly replaced ({}); entries that were moved out are in {}", dir,
                                  swapped.error(), staging.string()));
  }
  fs::remove_all(staging, error);  // the old entries
  return extracted;
}

}  // namespace nucleus::cli

namespace nucleus::cli {

Result<DirectoryManifest> directory_manifest(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root = absolute_dir(dir);
  DirectoryManifest manifest;
  std::error_code error;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) return make_error(syscall_error("lstat", it->path().string()));
    manifest[fs::relative(it->path(), root).string()] =
        fmt::format("{:o}:{}:{}.{}", info.st_mode, info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
  }
  if (error) return make_error(fmt::format("cannot list {}: {}", dir, error.message()));
  return manifest;
}

std::optional<std::string> first_difference(const DirectoryManifest& before, const DirectoryManifest& after) {
  auto a = before.begin();
  auto b = after.begin();
  while (a != before.end() || b != after.end()) {
    if (a == before.end()) return b->first;
    if (b == after.end()) return a->first;
    if (a->first != b->first) return std::min(a->first, b->first);
    if (a->second != b->second) return a->first;
    ++a;
    ++b;
  }
  return std::nullopt;
}

}  // namespace nucleus::cli
