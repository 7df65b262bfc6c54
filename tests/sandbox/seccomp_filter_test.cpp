// The deny-list table, the exported program, calls through other
// architectures' syscall tables, and the supervisor profile.
#include <gtest/gtest.h>
#include <grp.h>
#include <sched.h>
#include <sys/syscall.h>

#include <seccomp.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "child_probe.h"
#include "sandbox/seccomp_filter.h"

namespace nucleus::sandbox::testing {
namespace {

TEST(SeccompTable, EntriesAreComplete) {
  std::set<std::tuple<std::string_view, ArgumentMatch, std::uint32_t>> seen;
  for (const DeniedSyscall& entry : seccomp_deny_list()) {
    EXPECT_FALSE(entry.reason.empty()) << entry.name;
    EXPECT_NE(seccomp_syscall_resolve_name(std::string(entry.name).c_str()), __NR_SCMP_ERROR) << entry.name;
    EXPECT_TRUE(seen.insert({entry.name, entry.match, entry.ioctl_request}).second) << "duplicate " << entry.name;
    const int expected = entry.name == "clone3" ? ENOSYS : EPERM;
    EXPECT_EQ(entry.error, expected) << entry.name;
  }
}

TEST(SeccompTable, ContainsRequiredCalls) {
  std::set<std::string_view> names;
  for (const DeniedSyscall& entry : seccomp_deny_list()) names.insert(entry.name);
  for (std::string_view name :
       {"unshare", "setns", "clone", "clone3", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig",
        "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr", "ptrace", "process_vm_readv",
        "process_vm_writev", "kcmp", "bpf", "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load",
        "reboot", "init_module", "finit_module", "delete_module", "perf_event_open", "userfaultfd",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "name_to_handle_at",
        "swapon", "swapoff", "acct", "quotactl", "syslog", "settimeofday", "clock_settime", "clock_adjtime",
        "adjtimex", "iopl", "ioperm", "vhangup", "lookup_dcookie", "personality", "ioctl"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

TEST(SeccompTable, SupervisorNeedsAreAllowed) {
  for (const DeniedSyscall& entry : seccomp_deny_list()) {
    for (std::string_view needed : {"setuid", "setgid", "setgroups", "setresuid", "setresgid", "prctl", "capset",
                                    "fork", "execve", "seccomp", "landlock_restrict_self"}) {
      EXPECT_NE(entry.name, needed);
    }
  }
}

TEST(SeccompProgramBuild, BothProfilesBuild) {
  for (const SeccompProfile profile : {SeccompProfile::agent, SeccompProfile::supervisor}) {
    auto program = build_seccomp_program(profile);
    ASSERT_TRUE(program.ok()) << program.error();
    EXPECT_EQ(program->profile, profile);
    EXPECT_GT(program->instructions.size(), seccomp_deny_list().size());
    EXPECT_LE(program->instructions.size(), static_cast<std::size_t>(BPF_MAXINSNS));
  }
}

const SeccompProgram& agent_program() {
  static const SeccompProgram program = build_seccomp_program(SeccompProfile::agent).value();
  return program;
}

int install_agent_filter() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return install_seccomp_program(agent_program());
}

TEST(SeccompArchitecture, X32CallKillsProcess) {
  agent_program();
  const ProbeOutcome outcome = run_probe([] {
    if (install_agent_filter() != 0) return -1;
    return error_of(::syscall(0x40000000L | SYS_getpid));  // __X32_SYSCALL_BIT
  });
  EXPECT_FALSE(outcome.value.has_value()) << "x32 getpid returned " << outcome.value.value_or(0);
  EXPECT_EQ(outcome.signal, SIGSYS);
}

// getpid through the i386 table (number 20) with int 0x80.
long i386_getpid() {
  long result = 20;
  asm volatile("int $0x80" : "+a"(result) : : "memory");
  return result;
}

TEST(SeccompArchitecture, I386CallKillsProcess) {
  const ProbeOutcome control = run_probe([] { return i386_getpid() == ::getpid() ? 0 : 1; });
  if (control.value != 0) GTEST_SKIP() << "this kernel does not run i386 syscalls (no IA32 emulation)";
  agent_program();
  const ProbeOutcome outcome = run_probe([] {
    if (install_agent_filter() != 0) return -1;
    return static_cast<int>(i386_getpid());
  });
  EXPECT_FALSE(outcome.value.has_value());
  EXPECT_EQ(outcome.signal, SIGSYS);
}

TEST(SupervisorFilter, ConfinesEveryThread) {
  const ProbeOutcome outcome = run_probe([] {
    int thread_error = -1;
    bool applied = false;
    std::mutex mutex;
    std::condition_variable changed;
    std::thread other([&] {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return applied; });
      thread_error = error_of(::unshare(CLONE_NEWUSER));
    });
    auto result = apply_supervisor_filter();
    {
      std::lock_guard lock(mutex);
      applied = true;
    }
    changed.notify_all();
    other.join();
    if (!result) return -2;
    return thread_error;
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, EPERM);
}

TEST(SupervisorFilter, StillDropsUserAndExecs) {
  const ProbeOutcome outcome = run_probe([] {
    if (!apply_supervisor_filter()) return -2;
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
          ::setresuid(65534, 65534, 65534) != 0) {
        ::_exit(3);
      }
      ::execl("/bin/sh", "sh", "-c", "test \"$(id -u)\" = 65534", static_cast<char*>(nullptr));
      ::_exit(4);
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -3;
    return WEXITSTATUS(status);
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, 0);
}

TEST(SupervisorFilter, StatusShowsFilterMode) {
  const ProbeOutcome outcome = run_probe([] {
    if (!apply_supervisor_filter()) return -2;
    std::ifstream file("/proc/self/status");
    std::stringstream text;
    text << file.rdbuf();
    const auto fields = parse_status(text.str());
    return fields.at("Seccomp") == "2" && fields.at("NoNewPrivs") == "1" ? 0 : 1;
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, 0);
}

}  // namespace
}  // namespace nucleus::sandbox::testing
