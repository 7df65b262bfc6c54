// Running a helper program (node, the nucleus CLI) from a test: extra
// environment, stdout and stderr captured to files, a deadline after which
// it is killed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace nucleus::node::testing {

struct ChildResult {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not start
  bool timed_out = false;
  std::string out;
  std::string err;
};

class ChildProcess {
 public:
  // Starts `argv` in `cwd` with the test's environment plus `env` (entries
  // with an empty value are removed), in a new session without a
  // controlling terminal. Output goes to files in `scratch`; stdin reads
  // `stdin_path`.
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& scratch, const std::string& cwd = "", const std::string& stdin_path = "/dev/null");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Waits up to `timeout`, then SIGKILLs the child and its process group.
  ChildResult wait(std::chrono::seconds timeout);

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  int status_ = 0;
  bool reaped_ = false;
};

// `program` in PATH, or "" when it is not there.
std::string find_in_path(const std::string& program);

}  // namespace nucleus::node::testing
