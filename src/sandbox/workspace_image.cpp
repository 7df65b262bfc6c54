#include "sandbox/workspace_image.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "common/unique_fd.h"

extern char** environ;

namespace nucleus::sandbox {
namespace {

std::string errno_message(const std::string& what) { return what + ": " + std::strerror(errno); }

// Runs argv with output captured; the error carries the program's output.
Result<bool> run_tool(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(errno_message("pipe2"));
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (spawn_error != 0) return make_error(fmt::format("cannot run {}: {}", args[0], std::strerror(spawn_error)));
  std::string output;
  std::array<char, 4096> buffer{};
  for (ssize_t n; (n = ::read(read_end.get(), buffer.data(), buffer.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (output.size() < 16384) output.append(buffer.data(), static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    return make_error(fmt::format("{} failed ({}): {}", args[0],
                                  WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                                    : fmt::format("signal {}", WTERMSIG(status)),
                                  output));
  }
  return true;
}

std::string find_mkfs() {
  for (const char* candidate : {"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return {};
}

Result<UniqueFd> attach_loop_device(const std::string& image) {
  UniqueFd image_fd(::open(image.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!image_fd) return make_error(errno_message("open " + image));
  UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) return make_error(errno_message("open /dev/loop-control"));
  // Another process may take the free device between the two calls; then
  // LOOP_CONFIGURE fails with EBUSY and the next free one is tried.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int number = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (number < 0) return make_error(errno_message("LOOP_CTL_GET_FREE"));
    const std::string device = fmt::format("/dev/loop{}", number);
    UniqueFd loop(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!loop) return make_error(errno_message("open " + device));
    loop_config config{};
    config.fd = static_cast<std::uint32_t>(image_fd.get());
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (::ioctl(loop.get(), LOOP_CONFIGURE, &config) == 0) return loop;
    if (errno != EBUSY) return make_error(errno_message("LOOP_CONFIGURE " + device));
  }
  return make_error("no free loop device after 64 attempts");
}

}  // namespace

namespace {

// Formats a template of `bytes` at `path`, atomically: mkfs writes a
// temporary file that is renamed into place, so a racing creator of the
// same size just wins or loses the rename.
Result<bool> make_template(const std::string& path, std::uint64_t bytes) {
  const std::string mkfs = find_mkfs();
  if (mkfs.empty()) return make_error("mkfs.ext4 not found; install e2fsprogs to cap workspace disk use");
  const std::string temp = fmt::format("{}.{}.tmp", path, ::getpid());
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return make_error(errno_message("create " + temp));
    if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
      const auto error = errno_message("ftruncate " + temp);
      ::unlink(temp.c_str());
      return make_error(error);
    }
  }
  // Inode tables stay uninitialised (the block group descriptors record
  // which inodes were never used), so the template holds well under a
  // megabyte of data; mounting with noinit_itable keeps it that way.
  auto formatted = run_tool({mkfs, "-q", "-F", "-O", "^has_journal", "-m", "0", "-E",
                             "lazy_itable_init=1,nodiscard", temp});
  if (formatted && ::rename(temp.c_str(), path.c_str()) != 0) formatted = make_error(errno_message("rename " + temp));
  if (!formatted) ::unlink(temp.c_str());
  return formatted;
}

// Copies only the data ranges of `from`, so `to` stays as sparse as it.
Result<bool> copy_sparse(int from, int to, std::uint64_t bytes) {
  if (::ftruncate(to, static_cast<off_t>(bytes)) != 0) return make_error(errno_message("ftruncate"));
  off_t offset = 0;
  while (true) {
    const off_t data = ::lseek(from, offset, SEEK_DATA);
    if (data < 0) break;  // ENXIO: no more data
    const off_t hole = ::lseek(from, data, SEEK_HOLE);
    if (hole < 0) return make_error(errno_message("lseek SEEK_HOLE"));
    off_t in = data;
    off_t out = data;
    while (in < hole) {
      const ssize_t n = ::copy_file_range(from, &in, to, &out, static_cast<std::size_t>(hole - in), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return make_error(errno_message("copy_file_range"));
    }
    offset = hole;
  }
  return true;
}

}  // namespace

Result<bool> create_workspace_image(const std::string& image, std::uint64_t bytes, const std::string& template_dir) {
  if (::mkdir(template_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(errno_message("mkdir " + template_dir));
  }
  const std::string template_path = fmt::format("{}/ext4-{}.img", template_dir, bytes);
  if (::access(template_path.c_str(), R_OK) != 0) {
    if (auto made = make_template(template_path, bytes); !made) return made;
  }
  UniqueFd from(::open(template_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!from) return make_error(errno_message("open " + template_path));
  UniqueFd to(::open(image.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!to) return make_error(errno_message("create " + image));
  auto copied = copy_sparse(from.get(), to.get(), bytes);
  if (!copied) {
    ::unlink(image.c_str());
    return make_error(fmt::format("copy {} to {}: {}", template_path, image, copied.error()));
  }
  return true;
}

Result<bool> mount_workspace_image(const std::string& image, const std::string& target) {
  auto loop = attach_loop_device(image);
  if (!loop) return make_error(loop.error());
  const std::string device = fmt::format("/proc/self/fd/{}", loop->get());
  char resolved[64] = {};
  const ssize_t length = ::readlink(device.c_str(), resolved, sizeof(resolved) - 1);
  if (length <= 0) return make_error(errno_message("readlink " + device));
  if (::mount(resolved, target.c_str(), "ext4", MS_NOSUID | MS_NODEV, "noinit_itable") != 0) {
    return make_error(errno_message(fmt::format("mount {} on {}", resolved, target)));
  }
  // The mount keeps the device open now; closing our descriptor lets
  // LO_FLAGS_AUTOCLEAR detach it after the last unmount.
  return true;
}

bool is_mount_point(const std::string& path) {
  struct statx info {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &info) != 0) return false;
  return (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
         (info.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

Result<bool> unmount_if_mounted(const std::string& target) {
  while (is_mount_point(target)) {
    if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EBUSY && ::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    return make_error(errno_message("umount " + target));
  }
  return true;
}

}  // namespace nucleus::sandbox
