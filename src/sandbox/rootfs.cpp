#include "sandbox/rootfs.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "sandbox/launch_config.h"

namespace nucleus::sandbox {
namespace {

Error failure(const std::string& what) { return make_error(fmt::format("{}: {}", what, std::strerror(errno))); }

// Adds restrictions to a mount (and below it when `recursive`), keeping
// whatever flags the kernel locked when the mount entered this user
// namespace. mount_setattr only ever tightens here.
Result<bool> restrict_mount(const std::string& path, std::uint64_t attributes, bool recursive) {
  mount_attr attr{};
  attr.attr_set = attributes;
  const unsigned flags = recursive ? AT_RECURSIVE : 0U;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), flags, &attr, sizeof(attr)) != 0) {
    return failure("mount_setattr " + path);
  }
  return true;
}

Result<bool> mount_fs(const char* type, const std::string& target, unsigned long flags, const std::string& data) {
  if (::mount(type, target.c_str(), type, flags, data.c_str()) != 0) {
    return failure(fmt::format("mount {} on {}", type, target));
  }
  return true;
}

Result<bool> bind(const std::string& source, const std::string& target, std::uint64_t attributes) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return failure(fmt::format("bind {} on {}", source, target));
  }
  return restrict_mount(target, attributes, true);
}

Result<bool> make_dirs(const std::string& path, mode_t mode) {
  std::string prefix;
  for (std::size_t start = 1; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    prefix = path.substr(0, end);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) return failure("mkdir " + prefix);
    start = end + 1;
  }
  return true;
}

Result<bool> write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return failure("write " + path);
  ::chmod(path.c_str(), 0644);
  return true;
}

Result<bool> touch(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return failure("create " + path);
  ::close(fd);
  return true;
}

// Mirrors a top-level entry of the system root: a symlink is copied (usr
// merge), a directory is bound read-only, a missing one is skipped.
Result<bool> mirror_entry(const std::string& source, const std::string& target, bool required) {
  struct stat st {};
  if (::lstat(source.c_str(), &st) != 0) {
    if (required) return failure("system directory " + source);
    return true;
  }
  if (S_ISLNK(st.st_mode)) {
    char link[4096];
    const ssize_t length = ::readlink(source.c_str(), link, sizeof(link) - 1);
    if (length < 0) return failure("readlink " + source);
    link[length] = '\0';
    if (::symlink(link, target.c_str()) != 0) return failure("symlink " + target);
    return true;
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(target.c_str(), 0755) != 0) return failure("mkdir " + target);
    return bind(source, target, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  }
  if (S_ISREG(st.st_mode)) {
    if (auto ok = touch(target); !ok) return ok;
    return bind(source, target, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  }
  return make_error(fmt::format("{} is neither a directory, a file nor a symlink", source));
}

Result<bool> build_etc(const RootfsPlan& plan, const std::string& root) {
  const std::string etc = root + "/etc";
  if (::mkdir(etc.c_str(), 0755) != 0) return failure("mkdir " + etc);
  const std::pair<const char*, std::string> files[] = {
      {"passwd", generated_passwd(plan.work_dir)},
      {"group", generated_group()},
      {"hostname", plan.hostname + "\n"},
      {"hosts", fmt::format("127.0.0.1 localhost {}\n::1 localhost ip6-localhost ip6-loopback\n", plan.hostname)},
      // Nothing answers DNS inside: names are resolved by the egress proxy.
      {"resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"},
      {"nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
                        "protocols: files\nservices: files\n"},
  };
  for (const auto& [name, text] : files) {
    if (auto ok = write_text(etc + "/" + name, text); !ok) return ok;
  }
  for (const char* name : {"ssl", "ca-certificates", "alternatives", "ld.so.cache", "services", "protocols",
                           "localtime", "mime.types"}) {
    if (auto ok = mirror_entry(plan.system_root + "/etc/" + name, etc + "/" + name, false); !ok) return ok;
  }
  return true;
}

Result<bool> build_dev(const std::string& root, std::uint64_t shm_bytes) {
  const std::string dev = root + "/dev";
  if (::mkdir(dev.c_str(), 0755) != 0) return failure("mkdir " + dev);
  if (auto ok = mount_fs("tmpfs", dev, MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k"); !ok) return ok;
  for (const char* name : {"null", "zero", "full", "random", "urandom", "tty"}) {
    const std::string target = dev + "/" + name;
    if (auto ok = touch(target); !ok) return ok;
    if (::mount(("/dev/" + std::string(name)).c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return failure("bind /dev/" + std::string(name));
    }
    if (auto ok = restrict_mount(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false); !ok) return ok;
  }
  for (const char* sub : {"/pts", "/shm"}) {
    if (::mkdir((dev + sub).c_str(), 0755) != 0) return failure("mkdir " + dev + sub);
  }
  if (auto ok = mount_fs("devpts", dev + "/pts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
      !ok) {
    return ok;
  }
  if (auto ok = mount_fs("tmpfs", dev + "/shm", MS_NOSUID | MS_NODEV, fmt::format("mode=1777,size={}", shm_bytes));
      !ok) {
    return ok;
  }
  const std::pair<const char*, const char*> links[] = {
      {"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
      {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}};
  for (const auto& [name, target] : links) {
    if (::symlink(target, (dev + "/" + name).c_str()) != 0) return failure("symlink /dev/" + std::string(name));
  }
  return restrict_mount(dev, MOUNT_ATTR_RDONLY, false);
}

Result<bool> switch_root(const std::string& root) {
  const std::string old_root = root + "/.oldroot";
  if (::mkdir(old_root.c_str(), 0700) != 0) return failure("mkdir " + old_root);
  if (::syscall(SYS_pivot_root, root.c_str(), old_root.c_str()) != 0) return failure("pivot_root " + root);
  if (::chdir("/") != 0) return failure("chdir /");
  if (::umount2("/.oldroot", MNT_DETACH) != 0) return failure("umount /.oldroot");
  if (::rmdir("/.oldroot") != 0) return failure("rmdir /.oldroot");
  return restrict_mount("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
}

}  // namespace

std::string generated_passwd(const std::string& work_dir) {
  return fmt::format(
      "root:x:0:0:nucleus tool proxy:{}:/usr/sbin/nologin\n"
      "agent:x:{}:{}:agent:{}:/bin/sh\n"
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
      kRunDirInside, kAgentUid, kAgentUid, work_dir);
}

std::string generated_group() { return fmt::format("root:x:0:\nagent:x:{}:\nnogroup:x:65534:\n", kAgentUid); }

Result<bool> build_rootfs(const RootfsPlan& plan) {
  const std::string& root = plan.assemble_at;
  // Nothing mounted from here on propagates back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return failure("make / private");
  if (auto ok = mount_fs("tmpfs", root, MS_NOSUID | MS_NODEV, "mode=0755,size=1m"); !ok) return ok;
  for (const char* name : {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    const bool required = std::strcmp(name, "usr") == 0;
    if (auto ok = mirror_entry(plan.system_root + "/" + name, root + "/" + name, required); !ok) return ok;
  }
  if (auto ok = build_etc(plan, root); !ok) return ok;

  const std::string workspace = root + plan.work_dir;
  const std::string run = root + kRunDirInside;
  const std::string tmp = root + "/tmp";
  for (const auto& dir : {workspace, run, tmp, root + "/proc"}) {
    if (auto ok = make_dirs(dir, 0755); !ok) return ok;
  }
  if (auto ok = bind(plan.workspace, workspace, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV); !ok) return ok;
  if (auto ok = bind(plan.run_dir, run, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC); !ok) return ok;
  if (auto ok = mount_fs("tmpfs", tmp, MS_NOSUID | MS_NODEV, fmt::format("mode=1777,size={}", plan.tmp_bytes)); !ok) {
    return ok;
  }
  if (auto ok = mount_fs("proc", root + "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""); !ok) return ok;
  if (auto ok = build_dev(root, plan.tmp_bytes); !ok) return ok;
  return switch_root(root);
}

}  // namespace nucleus::sandbox
