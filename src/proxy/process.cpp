#include "proxy/process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <string_view>

#include "common/errno_text.h"
#include "common/unique_fd.h"
#include "proxy/process_child.h"

namespace nucleus::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// glibc 2.36 declares pidfd_open in <sys/pidfd.h> without C linkage, so
// the call goes through syscall(2).
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
}

// Moves `fd` above the standard streams, so that the child's dup2 onto 0-2
// cannot overwrite a descriptor it still needs.
Result<UniqueFd> above_stdio(UniqueFd fd, std::string_view what) {
  if (fd.get() > 2) return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return make_error(syscall_error("fcntl", what));
  return UniqueFd(moved);
}

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Result<Pipe> make_pipe(std::string_view what) {
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(syscall_error("pipe2", what));
  auto read_end = above_stdio(UniqueFd(fds[0]), what);
  auto write_end = above_stdio(UniqueFd(fds[1]), what);
  if (!read_end) return Error{read_end.error()};
  if (!write_end) return Error{write_end.error()};
  return Pipe{std::move(*read_end), std::move(*write_end)};
}

// Standard input is a memfd holding all of the data, so the parent never
// writes to a pipe the child may not read, and never gets SIGPIPE.
Result<UniqueFd> make_stdin(const std::string& data) {
  UniqueFd fd(::memfd_create("nucleus-stdin", MFD_CLOEXEC));
  if (!fd) return make_error(syscall_error("memfd_create", "stdin"));
  std::size_t offset = 0;
  while (offset < data.size()) {
    const ssize_t written = ::write(fd.get(), data.data() + offset, data.size() - offset);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return make_error(syscall_error("write", "stdin memfd"));
    offset += static_cast<std::size_t>(written);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return make_error(syscall_error("lseek", "stdin memfd"));
  return above_stdio(std::move(fd), "stdin");
}

bool contains_nul(const std::string& text) {
  return text.find('\0') != std::string::npos;
}

std::optional<std::string> find_path_variable(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) return entry.substr(5);
  }
  return std::nullopt;
}

std::optional<std::string> validate(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty()) return "argv is empty";
  for (const std::string& argument : spec.argv) {
    if (contains_nul(argument)) return "an argument contains a NUL byte";
  }
  for (const std::string& entry : spec.env) {
    if (contains_nul(entry)) return "an environment entry contains a NUL byte";
    const auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return "environment entry \"" + entry + "\" is not NAME=value";
    }
  }
  if (spec.cwd.empty() || spec.cwd.front() != '/' || contains_nul(spec.cwd)) {
    return "cwd \"" + spec.cwd + "\" is not an absolute path";
  }
  if (spec.timeout <= std::chrono::milliseconds::zero()) return "timeout must be positive";
  if (spec.kill_grace < std::chrono::milliseconds::zero()) return "kill_grace must not be negative";
  return std::nullopt;
}

// The paths execve tries. Relative and empty PATH entries are skipped, so
// a program is never found in the current directory by accident.
Result<std::vector<std::string>> exec_candidates_for(const ProcessSpec& spec) {
  const std::string& program = spec.argv.front();
  if (program.find('/') != std::string::npos) return std::vector<std::string>{program};
  const auto path = find_path_variable(spec.env);
  if (!path) {
    return make_error("program \"" + program + "\" has no '/' and the environment has no PATH");
  }
  std::vector<std::string> candidates;
  std::size_t begin = 0;
  while (begin <= path->size()) {
    std::size_t end = path->find(':', begin);
    if (end == std::string::npos) end = path->size();
    const std::string directory = path->substr(begin, end - begin);
    if (!directory.empty() && directory.front() == '/') {
      candidates.push_back(directory + "/" + program);
    }
    begin = end + 1;
  }
  if (candidates.empty()) {
    return make_error("PATH has no absolute directory to find \"" + program + "\" in");
  }
  return candidates;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& text : strings) pointers.push_back(const_cast<char*>(text.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// Blocks until the child has exec'd (end of file: O_CLOEXEC closed the
// pipe) or has reported the step that failed.
std::optional<child::Report> read_report(int fd) {
  child::Report report{};
  std::size_t received = 0;
  auto* bytes = reinterpret_cast<char*>(&report);
  while (received < sizeof report) {
    const ssize_t count = ::read(fd, bytes + received, sizeof report - received);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    received += static_cast<std::size_t>(count);
  }
  if (received == 0) return std::nullopt;
  if (received < sizeof report) return child::Report{child::Step::execve, EIO};
  return report;
}

// Owns a forked child until it is reaped. The destructor kills and reaps a
// child that is still running, so no error path leaves one behind.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (reaped_) return;
    // The group may not exist yet if the child has not reached setsid().
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    (void)wait();
  }

  void signal_group(int signal_number) {
    if (!reaped_) ::kill(-pid_, signal_number);
  }

  // Reaps a child known to have exited. The rest of its process group is
  // killed first, while the zombie keeps the group id in use, so the id
  // cannot have been reused by an unrelated process.
  Result<int> reap_exited() {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 &&
           errno == EINTR) {
    }
    ::kill(-pid_, SIGKILL);
    return wait();
  }

  // Blocks until the child exits. Fails with ECHILD if the process ignores
  // SIGCHLD, because the kernel then reaps children itself.
  Result<int> wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno == EINTR) continue;
      reaped_ = true;
      return make_error(syscall_error("waitpid", std::to_string(pid_)));
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

struct Capture {
  UniqueFd fd;
  std::string* data;
  bool* truncated;
};

// Appends what one read() returns, and closes the stream at end of file or
// on an error. Bytes past `cap` mark the capture truncated and are dropped.
void read_capture(Capture& capture, std::size_t cap) {
  std::array<char, 64 * 1024> buffer;
  const ssize_t count = ::read(capture.fd.get(), buffer.data(), buffer.size());
  if (count < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (count <= 0) {
    capture.fd.reset();
    return;
  }
  const auto received = static_cast<std::size_t>(count);
  const std::size_t room = cap - std::min(cap, capture.data->size());
  capture.data->append(buffer.data(), std::min(room, received));
  if (received > room) *capture.truncated = true;
}

int milliseconds_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

Result<ProcessResult> supervise(ChildProcess& child, UniqueFd pidfd,
                                std::array<Capture, 2>& captures, const ProcessSpec& spec,
                                ProcessResult& result, Clock::time_point start) {
  // running -> (timeout) terminating -> (grace) killing -> (grace) stop;
  // running -> (child exited) draining -> (grace) stop waiting for pipes
  // that a process outside the group still keeps open.
  enum class Phase { running, terminating, killing, draining };
  Phase phase = Phase::running;
  Clock::time_point deadline = start + spec.timeout;
  std::optional<int> status;

  while (!status || captures[0].fd || captures[1].fd) {
    if (Clock::now() >= deadline) {
      if (phase == Phase::running) {
        child.signal_group(SIGTERM);
        result.timed_out = true;
        phase = Phase::terminating;
      } else if (phase == Phase::terminating) {
        child.signal_group(SIGKILL);
        phase = Phase::killing;
      } else {
        break;
      }
      deadline = Clock::now() + spec.kill_grace;
      continue;
    }

    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    for (const Capture& capture : captures) fds[count++] = {capture.fd.get(), POLLIN, 0};
    if (!status) fds[count++] = {pidfd.get(), POLLIN, 0};
    // poll() ignores negative descriptors, which stand for closed streams.
    if (::poll(fds.data(), count, milliseconds_until(deadline)) < 0) {
      if (errno == EINTR) continue;
      return make_error(syscall_error("poll", spec.argv.front()));
    }

    for (std::size_t i = 0; i < captures.size(); ++i) {
      if (captures[i].fd && fds[i].revents != 0) read_capture(captures[i], spec.max_output_bytes);
    }
    if (!status && fds[2].revents != 0) {
      auto reaped = child.reap_exited();
      if (!reaped) return Error{reaped.error()};
      status = *reaped;
      if (phase == Phase::running) {
        phase = Phase::draining;
        deadline = Clock::now() + spec.kill_grace;
      }
    }
  }

  if (!status) {
    child.signal_group(SIGKILL);
    auto waited = child.wait();
    if (!waited) return Error{waited.error()};
    status = *waited;
  }
  if (WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  if (WIFSIGNALED(*status)) result.signal = WTERMSIG(*status);
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (auto problem = validate(spec)) return make_error("invalid process spec: " + *problem);
  auto candidates = exec_candidates_for(spec);
  if (!candidates) return Error{candidates.error()};

  auto stdin_fd = make_stdin(spec.stdin_data);
  if (!stdin_fd) return Error{stdin_fd.error()};
  auto stdout_pipe = make_pipe("stdout");
  if (!stdout_pipe) return Error{stdout_pipe.error()};
  auto stderr_pipe = make_pipe("stderr");
  if (!stderr_pipe) return Error{stderr_pipe.error()};
  auto report_pipe = make_pipe("exec report");
  if (!report_pipe) return Error{report_pipe.error()};

  child::Plan plan;
  plan.candidates = std::move(*candidates);
  plan.argv = c_strings(spec.argv);
  plan.envp = c_strings(spec.env);
  plan.cwd = spec.cwd.c_str();
  plan.run_as = spec.run_as;
  plan.no_new_privs = spec.no_new_privs;
  plan.confinement = spec.confinement;
  plan.parent_pid = ::getpid();
  plan.stdin_fd = stdin_fd->get();
  plan.stdout_fd = stdout_pipe->write_end.get();
  plan.stderr_fd = stderr_pipe->write_end.get();
  plan.report_fd = report_pipe->write_end.get();

  const Clock::time_point start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(syscall_error("fork", spec.argv.front()));
  if (pid == 0) child::run(plan);

  ChildProcess process(pid);
  stdin_fd->reset();
  stdout_pipe->write_end.reset();
  stderr_pipe->write_end.reset();
  report_pipe->write_end.reset();

  if (auto report = read_report(report_pipe->read_end.get())) {
    (void)process.wait();
    return make_error(child::describe(*report, spec));
  }

  UniqueFd pidfd(open_pidfd(pid));
  if (!pidfd) return make_error(syscall_error("pidfd_open", std::to_string(pid)));
  ProcessResult result;
  std::array<Capture, 2> captures{
      Capture{std::move(stdout_pipe->read_end), &result.stdout_data, &result.stdout_truncated},
      Capture{std::move(stderr_pipe->read_end), &result.stderr_data, &result.stderr_truncated},
  };
  for (const Capture& capture : captures) {
    if (::fcntl(capture.fd.get(), F_SETFL, O_NONBLOCK) != 0) {
      return make_error(syscall_error("fcntl", "O_NONBLOCK"));
    }
  }
  return supervise(process, std::move(pidfd), captures, spec, result, start);
}

}  // namespace nucleus::proxy

namespace nucleus::proxy {

Result<bool> kill_all_processes_of(const Credentials& user) {
  if (user.uid == 0) return make_error("kill_all_processes_of: refusing to sweep uid 0");
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(syscall_error("fork", "process sweep"));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and _exit.
    if (::setgroups(0, nullptr) != 0 || ::setresgid(user.gid, user.gid, user.gid) != 0 ||
        ::setresuid(user.uid, user.uid, user.uid) != 0) {
      ::_exit(2);
    }
    ::kill(-1, SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(syscall_error("waitpid", "process sweep"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error("process sweep: cannot drop to uid " + std::to_string(user.uid));
  }
  return true;
}

}  // namespace nucleus::proxy
