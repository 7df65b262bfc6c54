// Runs a probe in a forked child and brings back what it observed: the
// probe returns an int (usually an errno value, 0 for success) that the
// child sends through a pipe, or the child dies of a signal. Confinement is
// one-way, so every probe that installs a filter or a ruleset needs its own
// child. The test process is single-threaded when it forks, so the probe
// may allocate.
#pragma once

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace nucleus::sandbox::testing {

struct ProbeOutcome {
  std::optional<int> value;  // what the probe returned, if the child got that far
  int exit_code = -1;        // -1 when the child was killed
  int signal = 0;            // the signal that killed the child, or 0
};

inline ProbeOutcome run_probe(const std::function<int()>& probe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return {};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    const int value = probe();
    [[maybe_unused]] const ssize_t written = ::write(fds[1], &value, sizeof value);
    ::_exit(0);
  }
  ::close(fds[1]);
  ProbeOutcome outcome;
  int value = 0;
  if (::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) outcome.value = value;
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

// errno of a call that returned -1, or 0 when it succeeded.
inline int error_of(long result) { return result == -1 ? errno : 0; }

// Forks, execs `argv` with stdout into a pipe and returns the exit status
// (-1 if it did not exit) and the output. For use inside a probe.
struct ExecResult {
  int exit_code = -1;
  std::string output;
};

inline ExecResult exec_and_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> args;
    for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
    args.push_back(nullptr);
    char* const env[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
    ::execve(args[0], args.data(), env);
    ::_exit(126);
  }
  ::close(fds[1]);
  ExecResult result;
  char buffer[4096];
  ssize_t count = 0;
  while ((count = ::read(fds[0], buffer, sizeof buffer)) > 0) result.output.append(buffer, static_cast<std::size_t>(count));
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// The "Name:\tvalue" lines of a /proc/PID/status text.
inline std::map<std::string, std::string> parse_status(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  return fields;
}

// A directory under the test temp dir, removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& base = ::testing::TempDir()) {
    std::string pattern = base + "/nucleus-confine-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nucleus::sandbox::testing
