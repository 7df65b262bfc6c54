#include "proxy/process_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/errno_text.h"

namespace nucleus::proxy::child {
namespace {

// Formats a failed call like syscall_error, without the quotes when the
// call has no meaningful argument.
std::string call_error(std::string_view call, std::string_view argument, int error_number) {
  if (!argument.empty()) return syscall_error(call, argument, error_number);
  return std::string(call) + "() failed: " + std::strerror(error_number);
}

[[noreturn]] void fail_child(int report_fd, Step step, int error) {
  const Report report{step, error};
  // If this write fails the parent sees end of file, takes the exec as
  // successful and reports exit status 127.
  [[maybe_unused]] const ssize_t written = ::write(report_fd, &report, sizeof report);
  ::_exit(127);
}

// Raw syscalls, because glibc's wrappers of the set*id calls coordinate
// with other threads, which no longer exist in the forked child.
void drop_privileges(const Plan& plan, int report_fd) {
  const Credentials& user = *plan.run_as;
  if (::syscall(SYS_setgroups, 0, nullptr) != 0) fail_child(report_fd, Step::setgroups, errno);
  if (::syscall(SYS_setresgid, user.gid, user.gid, user.gid) != 0) {
    fail_child(report_fd, Step::setresgid, errno);
  }
  if (::syscall(SYS_setresuid, user.uid, user.uid, user.uid) != 0) {
    fail_child(report_fd, Step::setresuid, errno);
  }

  uid_t real_uid = 0, effective_uid = 0, saved_uid = 0;
  gid_t real_gid = 0, effective_gid = 0, saved_gid = 0;
  const bool ids_read = ::getresuid(&real_uid, &effective_uid, &saved_uid) == 0 &&
                        ::getresgid(&real_gid, &effective_gid, &saved_gid) == 0;
  const bool ids_match = ids_read && real_uid == user.uid && effective_uid == user.uid &&
                         saved_uid == user.uid && real_gid == user.gid &&
                         effective_gid == user.gid && saved_gid == user.gid &&
                         ::getgroups(0, nullptr) == 0;
  // Getting root back must be impossible after dropping it.
  const bool root_regained = user.uid != 0 && ::syscall(SYS_setresuid, 0, 0, 0) == 0;
  if (!ids_match || root_regained) fail_child(report_fd, Step::verify_ids, EPERM);
}

[[noreturn]] void exec_candidates(const Plan& plan, int report_fd) {
  int error = ENOENT;
  bool saw_permission_error = false;
  for (const std::string& candidate : plan.candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    error = errno;
    // Like execvp: keep searching past missing files and unsearchable
    // directories, and report EACCES if any candidate had it.
    if (error == EACCES) {
      saw_permission_error = true;
      continue;
    }
    if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV) break;
  }
  if (saw_permission_error && (error == ENOENT || error == ENOTDIR)) error = EACCES;
  fail_child(report_fd, Step::execve, error);
}

// Copies the ruleset descriptor to 5 or above before the standard streams
// and the report pipe take 0-3, so neither can overwrite it. Returns -1
// when there is no ruleset.
int lift_ruleset_fd(const Plan& plan, int report_fd) {
  if (plan.confinement == nullptr || plan.confinement->landlock_ruleset_fd < 0) return -1;
  const int lifted = ::fcntl(plan.confinement->landlock_ruleset_fd, F_DUPFD_CLOEXEC, 5);
  if (lifted < 0) fail_child(report_fd, Step::ruleset_fd, errno);
  return lifted;
}

Step step_of(sandbox::ConfinementStep step) {
  switch (step) {
    case sandbox::ConfinementStep::clear_ambient:
      return Step::cap_ambient;
    case sandbox::ConfinementStep::drop_bounding_set:
      return Step::cap_bounding;
    case sandbox::ConfinementStep::clear_capabilities:
      return Step::capset;
    case sandbox::ConfinementStep::no_new_privs:
      return Step::no_new_privs;
    case sandbox::ConfinementStep::landlock:
      return Step::landlock;
    case sandbox::ConfinementStep::seccomp:
    case sandbox::ConfinementStep::none:
      break;
  }
  return Step::seccomp;
}

void check_confinement(const sandbox::ConfinementStatus& status, int report_fd) {
  if (!status.ok()) fail_child(report_fd, step_of(status.step), status.error);
}

}  // namespace

// Takes the plan by reference: copying it would allocate.
void run(const Plan& plan) {
  int report_fd = plan.report_fd;
  sigset_t all_unblocked;
  sigemptyset(&all_unblocked);
  if (::sigprocmask(SIG_SETMASK, &all_unblocked, nullptr) != 0) {
    fail_child(report_fd, Step::reset_signals, errno);
  }
  // Ignored signals stay ignored across execve, so reset them all.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    ::sigaction(signal_number, &default_action, nullptr);  // fails harmlessly for KILL, STOP
  }

  if (::setsid() < 0) fail_child(report_fd, Step::setsid, errno);

  int ruleset_fd = lift_ruleset_fd(plan, report_fd);
  // The parent keeps every descriptor above 2, so these never alias 0-2.
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    fail_child(report_fd, Step::dup2, errno);
  }
  if (report_fd != 3) {
    if (::dup3(report_fd, 3, O_CLOEXEC) < 0) fail_child(report_fd, Step::dup2, errno);
    report_fd = 3;
  }
  // Descriptor 3 is the report pipe and 4 the Landlock ruleset, if any;
  // execve closes both through O_CLOEXEC.
  unsigned int first_to_close = 4;
  if (ruleset_fd >= 0) {
    if (::dup3(ruleset_fd, 4, O_CLOEXEC) < 0) fail_child(report_fd, Step::ruleset_fd, errno);
    ruleset_fd = 4;
    first_to_close = 5;
  }
  if (::close_range(first_to_close, ~0U, 0) != 0) fail_child(report_fd, Step::close_range, errno);

  if (plan.confinement != nullptr) {
    check_confinement(sandbox::drop_capability_bounds(*plan.confinement), report_fd);
  }
  if (plan.run_as) drop_privileges(plan, report_fd);

  // Credential changes clear the parent-death signal, so set it after them.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    fail_child(report_fd, Step::pdeathsig, errno);
  }
  if (::getppid() != plan.parent_pid) fail_child(report_fd, Step::parent_exited, ESRCH);

  if (plan.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail_child(report_fd, Step::no_new_privs, errno);
  }
  if (plan.confinement != nullptr) {
    sandbox::Confinement moved = *plan.confinement;
    moved.landlock_ruleset_fd = ruleset_fd;
    // Seccomp goes on last: the calls after it (chdir, execve, the report
    // write) are not on its deny list.
    check_confinement(sandbox::restrict_process(moved), report_fd);
  }
  if (::chdir(plan.cwd) != 0) fail_child(report_fd, Step::chdir, errno);

  exec_candidates(plan, report_fd);
}

std::string describe(const Report& report, const ProcessSpec& spec) {
  const int error = report.error;
  const std::string user = spec.run_as ? std::to_string(spec.run_as->uid) : std::string();
  const std::string group = spec.run_as ? std::to_string(spec.run_as->gid) : std::string();
  switch (report.step) {
    case Step::reset_signals:
      return call_error("sigprocmask", "", error);
    case Step::setsid:
      return call_error("setsid", "", error);
    case Step::dup2:
      return call_error("dup2", "standard streams", error);
    case Step::ruleset_fd:
      return call_error("dup3", "Landlock ruleset descriptor", error);
    case Step::cap_ambient:
      return call_error("prctl", "PR_CAP_AMBIENT_CLEAR_ALL", error);
    case Step::cap_bounding:
      return call_error("prctl", "PR_CAPBSET_DROP", error);
    case Step::setgroups:
      return call_error("setgroups", "0", error);
    case Step::setresgid:
      return call_error("setresgid", group, error);
    case Step::setresuid:
      return call_error("setresuid", user, error);
    case Step::verify_ids:
      return "dropping privileges to uid " + user + " gid " + group + " did not take effect";
    case Step::pdeathsig:
      return call_error("prctl", "PR_SET_PDEATHSIG", error);
    case Step::parent_exited:
      return "the parent exited before the child started";
    case Step::no_new_privs:
      return call_error("prctl", "PR_SET_NO_NEW_PRIVS", error);
    case Step::capset:
      return call_error("capset", "empty capability sets", error);
    case Step::landlock:
      return call_error("landlock_restrict_self", "", error);
    case Step::seccomp:
      return call_error("seccomp", "SECCOMP_SET_MODE_FILTER", error);
    case Step::chdir:
      return call_error("chdir", spec.cwd, error);
    case Step::close_range:
      return call_error("close_range", "3", error);
    case Step::execve:
      return call_error("execve", spec.argv.front(), error);
  }
  return "the child failed before exec";
}

}  // namespace nucleus::proxy::child
