#include "sandbox/seccomp_filter.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace nucleus::sandbox {
namespace {

using Match = ArgumentMatch;

constexpr std::string_view kMountReason =
    "changes the mount tree, which could hide or replace the files the proxy and the policy rely on";
constexpr std::string_view kProcessAccessReason =
    "reads or changes the memory or descriptors of another process, such as a command of the same user";
constexpr std::string_view kKeyringReason = "kernel keyrings are not namespaced and can hold host secrets";
constexpr std::string_view kKernelReason = "replaces or restarts the running kernel";
constexpr std::string_view kModuleReason = "loads or unloads kernel code";
constexpr std::string_view kIoUringReason =
    "io_uring performs operations that seccomp never sees and has a history of kernel bugs";
constexpr std::string_view kHandleReason =
    "opens files by handle, bypassing the path checks that keep a process inside its mounts";
constexpr std::string_view kHostAdminReason = "administers host-wide state that no namespace isolates";
constexpr std::string_view kClockReason = "sets the system clock, which is shared with the host";
constexpr std::string_view kPortReason = "grants raw access to hardware I/O ports";

constexpr auto kDenyList = std::to_array<DeniedSyscall>({
    {"unshare", EPERM, Match::any, 0,
     "creates namespaces; a new user namespace grants every capability inside it and opens kernel interfaces "
     "meant for root"},
    {"setns", EPERM, Match::any, 0, "joins another namespace, for example through an inherited descriptor"},
    {"clone", EPERM, Match::namespace_flags, 0, "creates namespaces, as unshare does"},
    {"clone3", ENOSYS, Match::any, 0,
     "its flags are in memory that seccomp cannot read; ENOSYS makes glibc fall back to clone, which is checked"},
    {"mount", EPERM, Match::any, 0, kMountReason},
    {"umount2", EPERM, Match::any, 0, kMountReason},
    {"pivot_root", EPERM, Match::any, 0, kMountReason},
    {"chroot", EPERM, Match::any, 0, kMountReason},
    {"fsopen", EPERM, Match::any, 0, kMountReason},
    {"fsconfig", EPERM, Match::any, 0, kMountReason},
    {"fsmount", EPERM, Match::any, 0, kMountReason},
    {"fspick", EPERM, Match::any, 0, kMountReason},
    {"open_tree", EPERM, Match::any, 0, kMountReason},
    {"move_mount", EPERM, Match::any, 0, kMountReason},
    {"mount_setattr", EPERM, Match::any, 0, kMountReason},
    {"ptrace", EPERM, Match::any, 0, kProcessAccessReason},
    {"process_vm_readv", EPERM, Match::any, 0, kProcessAccessReason},
    {"process_vm_writev", EPERM, Match::any, 0, kProcessAccessReason},
    {"pidfd_getfd", EPERM, Match::any, 0, kProcessAccessReason},
    {"kcmp", EPERM, Match::any, 0, "compares kernel objects of other processes, which leaks kernel layout"},
    {"bpf", EPERM, Match::any, 0, "loads programs into the kernel, a large attack surface"},
    {"keyctl", EPERM, Match::any, 0, kKeyringReason},
    {"add_key", EPERM, Match::any, 0, kKeyringReason},
    {"request_key", EPERM, Match::any, 0, kKeyringReason},
    {"kexec_load", EPERM, Match::any, 0, kKernelReason},
    {"kexec_file_load", EPERM, Match::any, 0, kKernelReason},
    {"reboot", EPERM, Match::any, 0, kKernelReason},
    {"init_module", EPERM, Match::any, 0, kModuleReason},
    {"finit_module", EPERM, Match::any, 0, kModuleReason},
    {"delete_module", EPERM, Match::any, 0, kModuleReason},
    {"perf_event_open", EPERM, Match::any, 0, "exposes kernel addresses and timing, and has a history of kernel bugs"},
    {"userfaultfd", EPERM, Match::any, 0, "lets a process stall the kernel in the middle of a copy, a common exploit aid"},
    {"io_uring_setup", EPERM, Match::any, 0, kIoUringReason},
    {"io_uring_enter", EPERM, Match::any, 0, kIoUringReason},
    {"io_uring_register", EPERM, Match::any, 0, kIoUringReason},
    {"open_by_handle_at", EPERM, Match::any, 0, kHandleReason},
    {"name_to_handle_at", EPERM, Match::any, 0, kHandleReason},
    {"swapon", EPERM, Match::any, 0, kHostAdminReason},
    {"swapoff", EPERM, Match::any, 0, kHostAdminReason},
    {"acct", EPERM, Match::any, 0, kHostAdminReason},
    {"quotactl", EPERM, Match::any, 0, kHostAdminReason},
    {"quotactl_fd", EPERM, Match::any, 0, kHostAdminReason},
    {"syslog", EPERM, Match::any, 0, "reads the kernel log, which reveals kernel addresses and host activity"},
    {"settimeofday", EPERM, Match::any, 0, kClockReason},
    {"clock_settime", EPERM, Match::any, 0, kClockReason},
    {"clock_adjtime", EPERM, Match::any, 0, kClockReason},
    {"adjtimex", EPERM, Match::any, 0, kClockReason},
    {"iopl", EPERM, Match::any, 0, kPortReason},
    {"ioperm", EPERM, Match::any, 0, kPortReason},
    {"vhangup", EPERM, Match::any, 0, "hangs up the controlling terminal of other processes"},
    {"lookup_dcookie", EPERM, Match::any, 0, "an obsolete profiling interface that leaks kernel information"},
    {"personality", EPERM, Match::persona_change, 0,
     "other personas disable address space randomization, make data executable or exercise rarely used "
     "compatibility code"},
    {"ioctl", EPERM, Match::ioctl_request, TIOCSTI,
     "TIOCSTI pushes characters into a terminal's input queue, where another process reads them as typed input"},
    {"ioctl", EPERM, Match::ioctl_request, TIOCLINUX,
     "TIOCLINUX can paste the console selection into a terminal's input queue"},
    {"sethostname", EPERM, Match::any, 0, "changes the pod's host name, which the sandbox sets up"},
    {"setdomainname", EPERM, Match::any, 0, "changes the pod's NIS domain name, which the sandbox sets up"},
    {"uselib", EPERM, Match::any, 0, "an obsolete a.out library loader that no current program needs"},
});

constexpr std::array<std::uint64_t, 7> kNamespaceFlags = {
    CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

struct ContextDeleter {
  void operator()(void* context) const { seccomp_release(context); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

// A rule comparing (argument `index` & mask) == value. Built by hand
// because libseccomp's SCMP_A* macros use C compound literals.
int add_masked_rule(scmp_filter_ctx context, uint32_t action, int number, unsigned int index, std::uint64_t mask,
                    std::uint64_t value) {
  const scmp_arg_cmp comparison{index, SCMP_CMP_MASKED_EQ, mask, value};
  return seccomp_rule_add_array(context, action, number, 1, &comparison);
}

std::string rule_error(const DeniedSyscall& entry, int result) {
  return fmt::format("seccomp rule for {} rejected by libseccomp: {}", entry.name, std::strerror(-result));
}

// The kernel reads personality's argument as 32 bits. A 32-bit value other
// than all zeros and all ones has, somewhere in cyclic order, a set bit
// followed by a clear bit. libseccomp allows one comparison per argument
// in a rule, so one MASKED_EQ rule per bit pair matches exactly those
// values.
int add_persona_rules(scmp_filter_ctx context, uint32_t action, int number) {
  for (unsigned int bit = 0; bit < 32; ++bit) {
    const std::uint64_t set = std::uint64_t{1} << bit;
    const std::uint64_t clear = std::uint64_t{1} << ((bit + 1) % 32);
    const int result = add_masked_rule(context, action, number, 0, set | clear, set);
    if (result != 0) return result;
  }
  return 0;
}

int add_rules(scmp_filter_ctx context, const DeniedSyscall& entry, int number) {
  const uint32_t action = SCMP_ACT_ERRNO(static_cast<uint32_t>(entry.error));
  switch (entry.match) {
    case Match::any:
      return seccomp_rule_add(context, action, number, 0);
    case Match::namespace_flags:
      // Separate rules are alternatives: any one namespace flag matches.
      for (const std::uint64_t flag : kNamespaceFlags) {
        const int result = add_masked_rule(context, action, number, 0, flag, flag);
        if (result != 0) return result;
      }
      return 0;
    case Match::persona_change:
      return add_persona_rules(context, action, number);
    case Match::ioctl_request:
      // Only the low 32 bits select the request: the kernel ignores the rest.
      return add_masked_rule(context, action, number, 1, 0xffffffff, entry.ioctl_request);
  }
  return -EINVAL;
}

Result<std::vector<sock_filter>> export_program(scmp_filter_ctx context) {
  UniqueFd memory(::memfd_create("nucleus-seccomp", MFD_CLOEXEC));
  if (!memory) return make_error(syscall_error("memfd_create", "nucleus-seccomp"));
  if (const int result = seccomp_export_bpf(context, memory.get()); result != 0) {
    return make_error(fmt::format("seccomp_export_bpf failed: {}", std::strerror(-result)));
  }
  const off_t size = ::lseek(memory.get(), 0, SEEK_CUR);
  if (size < 0 || ::lseek(memory.get(), 0, SEEK_SET) != 0) {
    return make_error(syscall_error("lseek", "nucleus-seccomp memfd"));
  }
  const auto bytes = static_cast<std::size_t>(size);
  if (bytes == 0 || bytes % sizeof(sock_filter) != 0 || bytes / sizeof(sock_filter) > BPF_MAXINSNS) {
    return make_error(fmt::format("seccomp_export_bpf wrote {} bytes, which is not a valid BPF program", bytes));
  }
  std::vector<sock_filter> instructions(bytes / sizeof(sock_filter));
  std::size_t offset = 0;
  auto* buffer = reinterpret_cast<char*>(instructions.data());
  while (offset < bytes) {
    const ssize_t count = ::read(memory.get(), buffer + offset, bytes - offset);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return make_error(syscall_error("read", "nucleus-seccomp memfd"));
    offset += static_cast<std::size_t>(count);
  }
  return instructions;
}

}  // namespace

std::span<const DeniedSyscall> seccomp_deny_list() { return kDenyList; }

Result<SeccompProgram> build_seccomp_program(SeccompProfile profile) {
  Context context(seccomp_init(SCMP_ACT_ALLOW));
  if (!context) return make_error("seccomp_init failed");
  // Only the native architecture is in the filter, so calls through the
  // i386 or x32 tables hit this action.
  if (const int result = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
      result != 0) {
    return make_error(fmt::format("seccomp_attr_set(ACT_BADARCH) failed: {}", std::strerror(-result)));
  }
  for (const DeniedSyscall& entry : kDenyList) {
    const int number = seccomp_syscall_resolve_name(std::string(entry.name).c_str());
    if (number == __NR_SCMP_ERROR) {
      return make_error(fmt::format("libseccomp does not know the syscall {}", entry.name));
    }
    if (const int result = add_rules(context.get(), entry, number); result != 0) {
      return make_error(rule_error(entry, result));
    }
  }
  auto instructions = export_program(context.get());
  if (!instructions) return Error{instructions.error()};
  return SeccompProgram{profile, std::move(instructions).value()};
}

int install_seccomp_program(const SeccompProgram& program) {
  sock_fprog filter{};
  filter.len = static_cast<unsigned short>(program.instructions.size());
  filter.filter = const_cast<sock_filter*>(program.instructions.data());
  const unsigned long flags = program.profile == SeccompProfile::supervisor ? SECCOMP_FILTER_FLAG_TSYNC : 0;
  const long result = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &filter);
  // With TSYNC, a positive result is the id of a thread that could not be
  // synchronized.
  if (result > 0) return ESRCH;
  return result == 0 ? 0 : errno;
}

Result<bool> apply_supervisor_filter() {
  auto program = build_seccomp_program(SeccompProfile::supervisor);
  if (!program) return make_error("supervisor seccomp filter: " + program.error());
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return make_error(syscall_error("prctl", "PR_SET_NO_NEW_PRIVS"));
  }
  if (const int error = install_seccomp_program(*program); error != 0) {
    return make_error(syscall_error("seccomp", "SECCOMP_SET_MODE_FILTER, supervisor profile", error));
  }
  return true;
}

}  // namespace nucleus::sandbox
