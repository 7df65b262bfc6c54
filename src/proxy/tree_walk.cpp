#include "proxy/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/errno_text.h"
#include "proxy/text_encoding.h"

namespace nucleus::proxy {

namespace {

struct Child {
  std::string name;
  WalkEntry::Type type = WalkEntry::Type::other;
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

WalkEntry::Type type_from_mode(mode_t mode) {
  if (S_ISREG(mode)) return WalkEntry::Type::regular_file;
  if (S_ISDIR(mode)) return WalkEntry::Type::directory;
  if (S_ISLNK(mode)) return WalkEntry::Type::symlink;
  return WalkEntry::Type::other;
}

// Some file systems leave d_type unknown; lstat-like fstatat fills it in.
WalkEntry::Type type_of(DIR* dir, const dirent& entry) {
  switch (entry.d_type) {
    case DT_REG: return WalkEntry::Type::regular_file;
    case DT_DIR: return WalkEntry::Type::directory;
    case DT_LNK: return WalkEntry::Type::symlink;
    case DT_UNKNOWN: break;
    default: return WalkEntry::Type::other;
  }
  struct stat status {};
  if (::fstatat(::dirfd(dir), entry.d_name, &status, AT_SYMLINK_NOFOLLOW) != 0) {
    return WalkEntry::Type::other;
  }
  return type_from_mode(status.st_mode);
}

// Lists the directory open as `directory` (O_RDONLY|O_DIRECTORY), sorted.
Result<std::vector<Child>> list_directory(const OpenedEntry& directory) {
  // fdopendir takes ownership of its fd, so it gets a duplicate.
  const int duplicate = ::fcntl(directory.fd.get(), F_DUPFD_CLOEXEC, 0);
  if (duplicate < 0) return make_error(syscall_error("fcntl(F_DUPFD_CLOEXEC)", directory.path));
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(duplicate));
  if (!dir) {
    const int error_number = errno;
    ::close(duplicate);
    return make_error(syscall_error("fdopendir", directory.path, error_number));
  }
  // A duplicate shares the file offset with the original fd, so rewind in
  // case the directory was listed through it before.
  ::rewinddir(dir.get());

  std::vector<Child> children;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    children.push_back({std::string(name), type_of(dir.get(), *entry)});
  }
  if (errno != 0) return make_error(syscall_error("readdir", directory.path));
  std::sort(children.begin(), children.end(),
            [](const Child& a, const Child& b) { return a.name < b.name; });
  return children;
}

std::string join_path(const std::string& directory, const std::string& name) {
  return directory == "/" ? "/" + name : directory + "/" + name;
}

bool is_blocked(const PathCheck& check, policy::Operation operation, const std::string& path) {
  return !check || check(operation, path).has_value();
}

// Visits the children of one directory and queues its subdirectories on
// `pending` so that they come off the stack in name order. Returns false
// when the walk must stop.
bool visit_directory(const OpenedEntry& directory, policy::Operation operation,
                     const PathCheck& check, WalkBudget& budget,
                     const std::function<bool(const WalkEntry&)>& visit,
                     std::vector<std::string>& pending) {
  auto children = list_directory(directory);
  if (!children) {
    spdlog::debug("workspace: search skipped directory path={} error={}", directory.path,
                  children.error());
    return true;
  }
  std::vector<std::string> subdirectories;
  for (const Child& child : *children) {
    if (budget.visited >= budget.max_entries) {
      budget.exhausted = true;
      return false;
    }
    ++budget.visited;
    if (!text::is_valid_utf8(child.name)) continue;
    WalkEntry entry{join_path(directory.path, child.name), child.type};
    if (is_blocked(check, operation, entry.path)) continue;
    if (!visit(entry)) return false;
    if (entry.type == WalkEntry::Type::directory) subdirectories.push_back(std::move(entry.path));
  }
  pending.insert(pending.end(), std::make_move_iterator(subdirectories.rbegin()),
                 std::make_move_iterator(subdirectories.rend()));
  return true;
}

}  // namespace

void walk_tree(const Workspace& workspace, const OpenedEntry& start, policy::Operation operation,
               const PathCheck& check, WalkBudget& budget,
               const std::function<bool(const WalkEntry&)>& visit) {
  std::vector<std::string> pending;
  if (!visit_directory(start, operation, check, budget, visit, pending)) return;
  while (!pending.empty()) {
    const std::string path = std::move(pending.back());
    pending.pop_back();
    auto opened = workspace.open_directory(path, operation, check, Symlinks::reject);
    if (auto* error = std::get_if<ToolError>(&opened)) {
      spdlog::debug("workspace: search skipped directory path={} error={}", path, error->message);
      continue;
    }
    if (!visit_directory(std::get<OpenedEntry>(opened), operation, check, budget, visit, pending)) {
      return;
    }
  }
}

}  // namespace nucleus::proxy
