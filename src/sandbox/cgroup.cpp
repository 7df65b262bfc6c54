#include "sandbox/cgroup.h"
#include "common/file_text.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <cstring>

namespace nucleus::sandbox {
namespace {

constexpr std::uint64_t kCpuPeriodMicros = 100'000;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<bool> write_file(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  if (!out) return make_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  out << value;
  out.flush();
  if (!out) return make_error(fmt::format("cannot write \"{}\" to {}: {}", value, path, std::strerror(errno)));
  return true;
}


// mkdir -p for the parent groups.
Result<bool> make_parent_dirs(const std::string& base, const std::string& parent) {
  std::string path = base;
  std::stringstream parts(parent);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    path += "/" + part;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return make_error(fmt::format("cannot create cgroup {}: {}", path, std::strerror(errno)));
    }
  }
  return true;
}

// mkdir -p for the parent, then mkdir for the leaf, which must be new.
Result<bool> make_group_dir(const std::string& base, const std::string& parent, const std::string& leaf) {
  if (auto ok = make_parent_dirs(base, parent); !ok) return ok;
  std::string path = base + "/" + (parent.empty() ? leaf : parent + "/" + leaf);
  if (::mkdir(path.c_str(), 0755) != 0) {
    return make_error(fmt::format("cannot create cgroup {}: {}", path, std::strerror(errno)));
  }
  return true;
}

long read_counter(const std::string& file, const std::string& key) {
  std::istringstream lines(read_file_text(file));
  std::string name;
  long value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

std::vector<pid_t> read_pids(const std::string& file) {
  std::vector<pid_t> pids;
  std::istringstream lines(read_file_text(file));
  for (pid_t pid = 0; lines >> pid;) pids.push_back(pid);
  return pids;
}

// One or more directories that together form the group: one on v2, one per
// controller on v1. The first one lists the processes.
class CgroupDirs final : public Cgroup {
 public:
  CgroupDirs(CgroupVersion version, std::vector<std::string> dirs, std::string memory_dir)
      : version_(version), dirs_(std::move(dirs)), memory_dir_(std::move(memory_dir)) {}

  CgroupVersion version() const override { return version_; }

  Result<bool> add_process(pid_t pid) override {
    for (const auto& dir : dirs_) {
      if (auto ok = write_file(dir + "/cgroup.procs", std::to_string(pid)); !ok) return ok;
    }
    return true;
  }

  std::vector<pid_t> processes() const override {
    std::vector<pid_t> all;
    for (const auto& dir : dirs_) {
      for (pid_t pid : read_pids(dir + "/cgroup.procs")) all.push_back(pid);
    }
    return all;
  }

  bool kill_all() override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (version_ == CgroupVersion::v2 && exists(dirs_.front() + "/cgroup.kill")) {
      (void)write_file(dirs_.front() + "/cgroup.kill", "1");
    }
    while (true) {
      const auto pids = processes();
      if (pids.empty()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      for (pid_t pid : pids) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  Result<bool> remove() override {
    for (const auto& dir : dirs_) {
      // A group whose last process just died may stay busy for a moment.
      int attempts = 0;
      while (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
        if (errno != EBUSY || ++attempts > 200) {
          return make_error(fmt::format("cannot remove cgroup {}: {}", dir, std::strerror(errno)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    return true;
  }

  long oom_kills() const override {
    if (memory_dir_.empty()) return 0;
    return version_ == CgroupVersion::v2 ? read_counter(memory_dir_ + "/memory.events", "oom_kill")
                                         : read_counter(memory_dir_ + "/memory.oom_control", "oom_kill");
  }

 private:
  CgroupVersion version_;
  std::vector<std::string> dirs_;
  std::string memory_dir_;
};

constexpr const char* kV1Controllers[] = {"memory", "pids", "cpu"};

Result<bool> write_v2_limits(const std::string& dir, const Limits& limits) {
  const std::uint64_t quota = std::uint64_t{limits.cpu_millis} * kCpuPeriodMicros / 1000;
  const std::pair<std::string, std::string> settings[] = {
      {"memory.max", std::to_string(limits.memory_bytes)},
      {"pids.max", std::to_string(limits.pids)},
      {"cpu.max", fmt::format("{} {}", quota, kCpuPeriodMicros)},
  };
  for (const auto& [file, value] : settings) {
    if (auto ok = write_file(dir + "/" + file, value); !ok) return ok;
  }
  // Without swap accounting the file is absent; then there is no swap to cap.
  if (exists(dir + "/memory.swap.max")) {
    if (auto ok = write_file(dir + "/memory.swap.max", "0"); !ok) return ok;
  }
  return true;
}

Result<bool> write_v1_limits(const std::string& fs_root, const std::string& rel, const Limits& limits) {
  const std::string memory = fs_root + "/memory/" + rel;
  const std::string cpu = fs_root + "/cpu/" + rel;
  const std::uint64_t quota = std::uint64_t{limits.cpu_millis} * kCpuPeriodMicros / 1000;
  const std::uint64_t shares = std::max<std::uint64_t>(2, std::uint64_t{limits.cpu_millis} * 1024 / 1000);
  const std::pair<std::string, std::string> settings[] = {
      {memory + "/memory.limit_in_bytes", std::to_string(limits.memory_bytes)},
      {fs_root + "/pids/" + rel + "/pids.max", std::to_string(limits.pids)},
      {cpu + "/cpu.cfs_period_us", std::to_string(kCpuPeriodMicros)},
      {cpu + "/cpu.cfs_quota_us", std::to_string(quota)},
      {cpu + "/cpu.shares", std::to_string(shares)},
  };
  for (const auto& [file, value] : settings) {
    if (auto ok = write_file(file, value); !ok) return ok;
  }
  if (exists(memory + "/memory.memsw.limit_in_bytes")) {
    if (auto ok = write_file(memory + "/memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes)); !ok) {
      return ok;
    }
  }
  return true;
}

Result<bool> enable_v2_controllers(const std::string& fs_root, const std::string& parent) {
  std::string path = fs_root;
  std::stringstream parts(parent);
  if (auto ok = write_file(path + "/cgroup.subtree_control", "+memory +pids +cpu"); !ok) return ok;
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    path += "/" + part;
    if (auto ok = write_file(path + "/cgroup.subtree_control", "+memory +pids +cpu"); !ok) return ok;
  }
  return true;
}

std::string relative(const std::string& parent, const std::string& id) {
  return parent.empty() ? id : parent + "/" + id;
}

}  // namespace

Result<CgroupVersion> Cgroup::detect(const std::string& fs_root) {
  const std::string controllers = read_file_text(fs_root + "/cgroup.controllers");
  if (controllers.find("memory") != std::string::npos && controllers.find("pids") != std::string::npos) {
    return CgroupVersion::v2;
  }
  for (const char* controller : kV1Controllers) {
    if (!exists(fs_root + "/" + controller + "/cgroup.procs")) {
      return make_error(fmt::format(
          "no usable cgroup hierarchy under {}: neither cgroup v2 with the memory and pids controllers "
          "nor a cgroup v1 {} hierarchy",
          fs_root, controller));
    }
  }
  return CgroupVersion::v1;
}

Result<std::unique_ptr<Cgroup>> Cgroup::open(const std::string& fs_root, const std::string& parent,
                                             const std::string& id) {
  auto version = detect(fs_root);
  if (!version) return make_error(version.error());
  const std::string rel = relative(parent, id);
  if (*version == CgroupVersion::v2) {
    const std::string dir = fs_root + "/" + rel;
    return std::unique_ptr<Cgroup>(std::make_unique<CgroupDirs>(CgroupVersion::v2, std::vector{dir}, dir));
  }
  std::vector<std::string> dirs;
  for (const char* controller : kV1Controllers) dirs.push_back(fs_root + "/" + controller + "/" + rel);
  return std::unique_ptr<Cgroup>(
      std::make_unique<CgroupDirs>(CgroupVersion::v1, dirs, fs_root + "/memory/" + rel));
}

Result<std::unique_ptr<Cgroup>> Cgroup::create(const std::string& fs_root, const std::string& parent,
                                               const std::string& id, const Limits& limits) {
  auto group = open(fs_root, parent, id);
  if (!group) return group;
  const std::string rel = relative(parent, id);
  if ((*group)->version() == CgroupVersion::v2) {
    if (auto ok = make_parent_dirs(fs_root, parent); !ok) return make_error(ok.error());
    if (auto ok = enable_v2_controllers(fs_root, parent); !ok) return make_error(ok.error());
    if (auto ok = make_group_dir(fs_root, parent, id); !ok) return make_error(ok.error());
    if (auto ok = write_v2_limits(fs_root + "/" + rel, limits); !ok) {
      (void)(*group)->remove();
      return make_error(ok.error());
    }
    return group;
  }
  for (const char* controller : kV1Controllers) {
    if (auto ok = make_group_dir(fs_root + "/" + controller, parent, id); !ok) {
      (void)(*group)->remove();
      return make_error(ok.error());
    }
  }
  if (auto ok = write_v1_limits(fs_root, rel, limits); !ok) {
    (void)(*group)->remove();
    return make_error(ok.error());
  }
  return group;
}

}  // namespace nucleus::sandbox
