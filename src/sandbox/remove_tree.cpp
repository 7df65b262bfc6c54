#include "sandbox/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nucleus::sandbox {
namespace {

// nftw offers no user pointer; the walk is single-threaded per call, so a
// thread-local slot carries the first failure out.
thread_local std::string first_failure;

int remove_entry(const char* path, const struct stat* /*st*/, int type, FTW* /*walk*/) {
  const int rc = (type == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && errno != ENOENT && first_failure.empty()) {
    first_failure = std::string(path) + ": " + std::strerror(errno);
  }
  return 0;
}

}  // namespace

Result<bool> remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return true;
  first_failure.clear();
  if (::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
    return make_error("cannot walk " + path + ": " + std::strerror(errno));
  }
  if (!first_failure.empty()) return make_error("cannot remove " + first_failure);
  return true;
}

}  // namespace nucleus::sandbox
