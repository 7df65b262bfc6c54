#include "sandbox_leftovers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sandbox/supervisor.h"

namespace nucleus::sandbox::testing {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// True when `text` contains `path` as a whole path: followed by the end, a
// separator or a space, so /a/b does not match /a/bc.
bool names_path(const std::string& text, const std::string& path) {
  for (std::size_t at = text.find(path); at != std::string::npos; at = text.find(path, at + 1)) {
    const std::size_t end = at + path.size();
    if (end == text.size() || text[end] == '/' || text[end] == ' ' || text[end] == '\n') return true;
  }
  return false;
}

void find_cgroups(const std::string& cgroup_parent, const std::string& id, std::vector<std::string>& out) {
  // v1 keeps one directory per controller, v2 a single one at the root.
  for (const char* controller : {"memory/", "pids/", "cpu/", ""}) {
    const std::string dir = fmt::format("{}/{}{}/{}", kCgroupRoot, controller, cgroup_parent, id);
    std::error_code error;
    if (fs::exists(dir, error)) out.push_back("cgroup directory " + dir);
  }
}

void find_loop_devices(const std::string& sandbox_dir, std::vector<std::string>& out) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/sys/block", error)) {
    const std::string name = entry.path().filename();
    if (!name.starts_with("loop")) continue;
    const std::string backing = read_text(entry.path() / "loop" / "backing_file");
    if (names_path(backing, sandbox_dir)) {
      out.push_back(fmt::format("loop device /dev/{} backed by {}", name, backing));
    }
  }
}

void find_processes(const std::string& sandbox_dir, std::vector<std::string>& out) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::string cmdline = read_text(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (names_path(cmdline, sandbox_dir)) {
      out.push_back(fmt::format("process {}: {}", name, cmdline));
    }
  }
}

}  // namespace

std::vector<std::string> sandbox_leftovers(const std::string& cgroup_parent, const std::string& id,
                                           const std::string& sandbox_dir) {
  std::vector<std::string> out;
  find_cgroups(cgroup_parent, id, out);
  find_loop_devices(sandbox_dir, out);
  find_processes(sandbox_dir, out);
  return out;
}

void remove_state_dir(const std::string& state_dir) {
  std::error_code ignored;
  fs::remove_all(fs::path(state_dir) / ".templates", ignored);
  fs::remove(state_dir, ignored);
}

}  // namespace nucleus::sandbox::testing
