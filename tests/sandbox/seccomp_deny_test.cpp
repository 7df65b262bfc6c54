// Every deny-list entry tried in a child under the agent filter. The child
// runs as root with all capabilities, so without the filter most calls
// would reach the kernel: the arguments are chosen so that, even then, they
// fail with EINVAL, EBADF or ENOENT or change nothing outside the child.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/reboot.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <time.h>

#include <set>

#include "child_probe.h"
#include "sandbox/seccomp_filter.h"

namespace nucleus::sandbox::testing {
namespace {

const SeccompProgram& agent_program() {
  static const SeccompProgram program = build_seccomp_program(SeccompProfile::agent).value();
  return program;
}

// Sentinel a probe returns when installing the filter itself failed.
constexpr int kInstallFailed = -1000;

int install_agent_filter() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return kInstallFailed;
  return install_seccomp_program(agent_program()) == 0 ? 0 : kInstallFailed;
}

// A call whose child (if the call unexpectedly creates one) exits at once.
long exit_if_child(long result) {
  if (result == 0) ::_exit(0);
  return result;
}

struct DenyCase {
  std::string label;  // the deny-list name, or ioctl_<REQUEST>
  std::function<long()> call;
  std::function<void()> setup = [] {};
};

// Runs in the child before the filter: a private mount namespace, so a
// mount that got through would stay in the child.
void private_mounts() {
  if (::unshare(CLONE_NEWNS) == 0) ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
}

std::vector<DenyCase> deny_cases() {
  const char* missing = "/nonexistent-nucleus-confine";
  return {
      {"unshare", [] { return static_cast<long>(::unshare(CLONE_NEWUSER)); }},
      {"setns",
       [] {
         const int fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
         return static_cast<long>(::setns(fd, CLONE_NEWNET));
       }},
      {"clone", [] { return exit_if_child(::syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)); }},
      {"clone3",
       [] {
         std::uint64_t args[8] = {};
         args[4] = SIGCHLD;  // exit_signal
         return exit_if_child(::syscall(SYS_clone3, args, sizeof args));
       }},
      {"mount", [] { return static_cast<long>(::mount("tmpfs", "/mnt", "tmpfs", 0, nullptr)); }, private_mounts},
      {"umount2", [missing] { return static_cast<long>(::umount2(missing, 0)); }},
      {"pivot_root", [missing] { return ::syscall(SYS_pivot_root, missing, missing); }},
      {"chroot", [missing] { return static_cast<long>(::chroot(missing)); }},
      {"fsopen", [] { return ::syscall(SYS_fsopen, "nucleus-no-such-fs", 0); }},
      {"fsconfig", [] { return ::syscall(SYS_fsconfig, -1, 0, nullptr, nullptr, 0); }},
      {"fsmount", [] { return ::syscall(SYS_fsmount, -1, 0, 0); }},
      {"fspick", [missing] { return ::syscall(SYS_fspick, AT_FDCWD, missing, 0); }},
      {"open_tree", [missing] { return ::syscall(SYS_open_tree, AT_FDCWD, missing, 0); }},
      {"move_mount", [] { return ::syscall(SYS_move_mount, -1, "", -1, "", 0); }},
      {"mount_setattr", [] { return ::syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0); }},
      {"ptrace",
       [] {
         const long result = ::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr);
         if (result == 0) ::ptrace(PTRACE_DETACH, ::getppid(), nullptr, nullptr);
         return result;
       }},
      {"process_vm_readv", [] { return static_cast<long>(::process_vm_readv(::getppid(), nullptr, 0, nullptr, 0, 0)); }},
      {"process_vm_writev",
       [] { return static_cast<long>(::process_vm_writev(::getppid(), nullptr, 0, nullptr, 0, 0)); }},
      {"pidfd_getfd", [] { return ::syscall(SYS_pidfd_getfd, -1, 0, 0); }},
      {"kcmp", [] { return ::syscall(SYS_kcmp, ::getpid(), ::getppid(), KCMP_FILE, 0, 0); }},
      {"bpf", [] { return ::syscall(SYS_bpf, 0, nullptr, 0); }},
      {"keyctl", [] { return ::syscall(SYS_keyctl, 0, -3, 0); }},  // KEYCTL_GET_KEYRING_ID, session, no create
      {"add_key", [] { return ::syscall(SYS_add_key, "nucleus-no-such-type", "x", nullptr, 0, -3); }},
      {"request_key", [] { return ::syscall(SYS_request_key, "nucleus-no-such-type", "x", nullptr, 0); }},
      // An unknown architecture in the flags makes both kexec calls EINVAL.
      {"kexec_load", [] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0xdead0000UL); }},
      {"kexec_file_load", [] { return ::syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, 0xdead0000UL); }},
      // The second magic number is wrong, which the kernel rejects with EINVAL.
      {"reboot", [] { return ::syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0, 0, nullptr); }},
      {"init_module", [] { return ::syscall(SYS_init_module, nullptr, 0, ""); }},
      {"finit_module", [] { return ::syscall(SYS_finit_module, -1, "", 0); }},
      {"delete_module", [] { return ::syscall(SYS_delete_module, "nucleus_no_such_module", O_NONBLOCK); }},
      {"perf_event_open", [] { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
      {"userfaultfd", [] { return ::syscall(SYS_userfaultfd, O_CLOEXEC); }},
      {"io_uring_setup", [] { return ::syscall(SYS_io_uring_setup, 0, nullptr); }},
      {"io_uring_enter", [] { return ::syscall(SYS_io_uring_enter, -1, 0, 0, 0, nullptr, 0); }},
      {"io_uring_register", [] { return ::syscall(SYS_io_uring_register, -1, 0, nullptr, 0); }},
      {"open_by_handle_at", [] { return ::syscall(SYS_open_by_handle_at, AT_FDCWD, nullptr, 0); }},
      {"name_to_handle_at", [] { return ::syscall(SYS_name_to_handle_at, AT_FDCWD, "/", nullptr, nullptr, 0); }},
      {"swapon", [missing] { return ::syscall(SYS_swapon, missing, 0); }},
      {"swapoff", [missing] { return ::syscall(SYS_swapoff, missing); }},
      {"acct", [missing] { return static_cast<long>(::acct(missing)); }},
      {"quotactl", [missing] { return ::syscall(SYS_quotactl, 0, missing, 0, nullptr); }},
      {"quotactl_fd", [] { return ::syscall(SYS_quotactl_fd, -1, 0, 0, nullptr); }},
      {"syslog", [] { return ::syscall(SYS_syslog, 10, nullptr, 0); }},  // SYSLOG_ACTION_SIZE_BUFFER
      {"settimeofday", [] { return ::syscall(SYS_settimeofday, nullptr, nullptr); }},
      {"clock_settime", [] { return ::syscall(SYS_clock_settime, -1, nullptr); }},
      {"clock_adjtime", [] { return ::syscall(SYS_clock_adjtime, -1, nullptr); }},
      {"adjtimex",
       [] {
         timex query{};  // modes 0: read only
         return ::syscall(SYS_adjtimex, &query);
       }},
      {"iopl", [] { return ::syscall(SYS_iopl, 0); }},
      {"ioperm", [] { return ::syscall(SYS_ioperm, 0, 0, 0); }},
      // setsid() leaves the child without a controlling terminal to hang up.
      {"vhangup", [] { return ::syscall(SYS_vhangup); }, [] { ::setsid(); }},
      {"lookup_dcookie", [] { return ::syscall(SYS_lookup_dcookie, 0, nullptr, 0); }},
      {"personality", [] { return ::syscall(SYS_personality, PER_LINUX32); }},
      {"ioctl_TIOCSTI",
       [] {
         const int fd = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
         char c = 'x';
         return static_cast<long>(::ioctl(fd, TIOCSTI, &c));
       }},
      {"ioctl_TIOCLINUX",
       [] {
         const int fd = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
         char subcode = 0;
         return static_cast<long>(::ioctl(fd, TIOCLINUX, &subcode));
       }},
      // A length over the limit is EINVAL for the kernel.
      {"sethostname", [] { return ::syscall(SYS_sethostname, "x", 1000); }},
      {"setdomainname", [] { return ::syscall(SYS_setdomainname, "x", 1000); }},
      {"uselib", [missing] { return ::syscall(SYS_uselib, missing); }},
  };
}

std::string label_of(const DeniedSyscall& entry) {
  if (entry.match != ArgumentMatch::ioctl_request) return std::string(entry.name);
  return entry.ioctl_request == TIOCSTI ? "ioctl_TIOCSTI" : "ioctl_TIOCLINUX";
}

int expected_errno(const std::string& label) {
  for (const DeniedSyscall& entry : seccomp_deny_list()) {
    if (label_of(entry) == label) return entry.error;
  }
  return -1;
}

class SeccompDenyTest : public ::testing::TestWithParam<DenyCase> {};

TEST_P(SeccompDenyTest, CallIsDenied) {
  const DenyCase& deny_case = GetParam();
  const int expected = expected_errno(deny_case.label);
  ASSERT_NE(expected, -1) << deny_case.label << " is not on the deny list";
  agent_program();
  const ProbeOutcome outcome = run_probe([&deny_case] {
    deny_case.setup();
    if (install_agent_filter() != 0) return kInstallFailed;
    return error_of(deny_case.call());
  });
  ASSERT_EQ(outcome.signal, 0) << "child killed by signal " << outcome.signal;
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, expected) << deny_case.label << " returned " << std::strerror(*outcome.value);
}

INSTANTIATE_TEST_SUITE_P(DenyList, SeccompDenyTest, ::testing::ValuesIn(deny_cases()),
                         [](const ::testing::TestParamInfo<DenyCase>& info) { return info.param.label; });

TEST(SeccompDenyList, EveryEntryHasDenyCase) {
  std::set<std::string> tried;
  for (const DenyCase& deny_case : deny_cases()) tried.insert(deny_case.label);
  for (const DeniedSyscall& entry : seccomp_deny_list()) {
    EXPECT_TRUE(tried.count(label_of(entry)) == 1) << label_of(entry) << " has no test case";
  }
  EXPECT_EQ(tried.size(), seccomp_deny_list().size());
}

TEST(SeccompDenyList, UnshareWorksWithoutFilter) {
  const ProbeOutcome outcome = run_probe([] { return error_of(::unshare(CLONE_NEWUSER)); });
  ASSERT_TRUE(outcome.value.has_value());
  if (*outcome.value != 0) GTEST_SKIP() << "user namespaces unavailable here: " << std::strerror(*outcome.value);
  EXPECT_EQ(*outcome.value, 0);
}

TEST(SeccompDenyList, TiocstiWithHighBitsIsDenied) {
  agent_program();
  const ProbeOutcome outcome = run_probe([] {
    const int fd = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (install_agent_filter() != 0) return kInstallFailed;
    char c = 'x';
    // The kernel reads the request as 32 bits, so these bits change nothing.
    return error_of(::syscall(SYS_ioctl, fd, 0x100000000UL | TIOCSTI, &c));
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, EPERM);
}

TEST(SeccompDenyList, DefaultPersonaAndQueryAllowed) {
  agent_program();
  const ProbeOutcome outcome = run_probe([] {
    if (install_agent_filter() != 0) return kInstallFailed;
    if (::personality(0xffffffff) == -1) return errno;
    if (::personality(PER_LINUX) == -1) return errno;
    return 0;
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, 0) << std::strerror(*outcome.value);
}

TEST(SeccompDenyList, OtherPersonasDenied) {
  agent_program();
  for (const unsigned long persona : {0x0040000UL /* ADDR_NO_RANDOMIZE */, 0x0400000UL /* READ_IMPLIES_EXEC */,
                                      0x7ffffffeUL, 0xfffffffeUL, 0x80000000UL}) {
    const ProbeOutcome outcome = run_probe([persona] {
      if (install_agent_filter() != 0) return kInstallFailed;
      return error_of(::syscall(SYS_personality, persona));
    });
    ASSERT_TRUE(outcome.value.has_value());
    EXPECT_EQ(*outcome.value, EPERM) << "persona 0x" << std::hex << persona;
  }
}

}  // namespace
}  // namespace nucleus::sandbox::testing
