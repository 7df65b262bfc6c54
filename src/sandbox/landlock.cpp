#include "sandbox/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "common/errno_text.h"

namespace nucleus::sandbox {
namespace {

// Defined here rather than taken from <linux/landlock.h>, whose copy on
// older systems lacks the rights added after ABI 1.
constexpr std::uint64_t kExecute = 1ULL << 0;
constexpr std::uint64_t kWriteFile = 1ULL << 1;
constexpr std::uint64_t kReadFile = 1ULL << 2;
constexpr std::uint64_t kReadDir = 1ULL << 3;
constexpr std::uint64_t kMakeChar = 1ULL << 6;
constexpr std::uint64_t kMakeBlock = 1ULL << 11;
constexpr std::uint64_t kAbi1Rights = (1ULL << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr std::uint64_t kRefer = 1ULL << 13;             // ABI 2
constexpr std::uint64_t kTruncate = 1ULL << 14;          // ABI 3
constexpr std::uint64_t kIoctlDev = 1ULL << 15;          // ABI 5

constexpr std::uint64_t kReadRights = kExecute | kReadFile | kReadDir;
// Everything except creating device nodes, which needs CAP_MKNOD anyway.
constexpr std::uint64_t kWriteRights = ~(kMakeChar | kMakeBlock);
// The only rights the kernel accepts on a rule for a file that is not a
// directory.
constexpr std::uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
constexpr std::uint64_t kDeviceRights = kReadFile | kWriteFile | kTruncate | kIoctlDev;

// The kernel accepts a struct shorter than its own and treats the missing
// fields (handled_access_net from ABI 4, scoped from ABI 6) as zero.
struct RulesetAttributes {
  std::uint64_t handled_access_fs;
};

int create_ruleset(const RulesetAttributes* attributes, std::size_t size, std::uint32_t flags) {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, attributes, size, flags));
}

Result<bool> add_path_rule(int ruleset_fd, const std::string& path, std::uint64_t rights, int abi) {
  UniqueFd target(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!target) return make_error(syscall_error("open", path));
  struct stat status {};
  if (::fstat(target.get(), &status) != 0) return make_error(syscall_error("fstat", path));
  if (!S_ISDIR(status.st_mode)) rights &= kFileRights;

  landlock_path_beneath_attr rule{};
  rule.allowed_access = rights & landlock_fs_rights(abi);
  rule.parent_fd = target.get();
  if (::syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0U) != 0) {
    return make_error(syscall_error("landlock_add_rule", path));
  }
  return true;
}

// Checked even without Landlock, so that a configuration error shows on
// every kernel.
Result<bool> check_writable_dir(const std::string& dir) {
  if (dir.empty() || dir.front() != '/') {
    return make_error("writable directory \"" + dir + "\" is not an absolute path");
  }
  struct stat status {};
  if (::stat(dir.c_str(), &status) != 0) return make_error("writable directory: " + syscall_error("stat", dir));
  if (!S_ISDIR(status.st_mode)) return make_error("writable directory \"" + dir + "\" is not a directory");
  return true;
}

}  // namespace

int landlock_abi_version() {
  const int abi = create_ruleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? abi : 0;
}

std::uint64_t landlock_fs_rights(int abi) {
  if (abi <= 0) return 0;
  std::uint64_t rights = kAbi1Rights;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

const std::vector<std::string>& landlock_device_paths() {
  static const std::vector<std::string> paths = {
      "/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm",
  };
  return paths;
}

Result<LandlockRuleset> build_landlock_ruleset(const std::vector<std::string>& writable_dirs) {
  for (const std::string& dir : writable_dirs) {
    if (auto checked = check_writable_dir(dir); !checked) return Error{checked.error()};
  }
  LandlockRuleset ruleset;
  ruleset.abi = landlock_abi_version();
  if (ruleset.abi == 0) return ruleset;

  const RulesetAttributes attributes{landlock_fs_rights(ruleset.abi)};
  UniqueFd fd(create_ruleset(&attributes, sizeof attributes, 0));
  if (!fd) return make_error(syscall_error("landlock_create_ruleset", fmt::format("ABI {}", ruleset.abi)));

  auto added = add_path_rule(fd.get(), "/", kReadRights, ruleset.abi);
  if (!added) return Error{added.error()};
  for (const std::string& dir : writable_dirs) {
    added = add_path_rule(fd.get(), dir, kWriteRights, ruleset.abi);
    if (!added) return make_error("writable directory: " + added.error());
  }
  for (const std::string& device : landlock_device_paths()) {
    struct stat status {};
    if (::stat(device.c_str(), &status) != 0 && errno == ENOENT) continue;
    const std::uint64_t rights = device == "/dev/shm" ? kWriteRights : kDeviceRights;
    added = add_path_rule(fd.get(), device, rights, ruleset.abi);
    if (!added) return Error{added.error()};
  }
  ruleset.fd = std::move(fd);
  return ruleset;
}

int enforce_landlock_ruleset(int ruleset_fd) {
  if (::syscall(SYS_landlock_restrict_self, ruleset_fd, 0U) != 0) return errno;
  return 0;
}

}  // namespace nucleus::sandbox
