#include "proxy/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace nucleus::proxy {
namespace {

using namespace std::chrono_literals;

ProcessSpec spec_for(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = "/";
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout = 20s;
  return spec;
}

ProcessResult run_ok(const ProcessSpec& spec) {
  auto result = run_process(spec);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  if (!result.ok()) return {};
  return *result;
}

// A killed process reparented to init may stay a zombie until init reaps
// it, so a zombie counts as gone.
bool process_is_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return true;
  const auto paren = line.rfind(") ");
  if (paren == std::string::npos || paren + 2 >= line.size()) return true;
  const char state = line[paren + 2];
  return state == 'Z' || state == 'X';
}

bool becomes_gone(pid_t pid) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (process_is_gone(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

pid_t first_line_as_pid(const std::string& output) {
  return static_cast<pid_t>(std::stol(output.substr(0, output.find('\n'))));
}

TEST(Process, ReportsExitCode) {
  const ProcessResult result = run_ok(spec_for({"/bin/sh", "-c", "exit 3"}));
  ASSERT_TRUE(result.exit_code.has_value());
  EXPECT_EQ(*result.exit_code, 3);
  EXPECT_FALSE(result.signal.has_value());
  EXPECT_FALSE(result.timed_out);
}

TEST(Process, ReportsTerminatingSignal) {
  const ProcessResult result = run_ok(spec_for({"/bin/sh", "-c", "kill -KILL $$"}));
  EXPECT_FALSE(result.exit_code.has_value());
  ASSERT_TRUE(result.signal.has_value());
  EXPECT_EQ(*result.signal, SIGKILL);
}

TEST(Process, SeparatesStdoutAndStderr) {
  const ProcessResult result = run_ok(spec_for({"/bin/sh", "-c", "echo out; echo err >&2"}));
  EXPECT_EQ(result.stdout_data, "out\n");
  EXPECT_EQ(result.stderr_data, "err\n");
  EXPECT_FALSE(result.stdout_truncated);
  EXPECT_FALSE(result.stderr_truncated);
}

TEST(Process, FeedsStdin) {
  ProcessSpec spec = spec_for({"cat"});
  spec.stdin_data = "line one\nline two\n";
  EXPECT_EQ(run_ok(spec).stdout_data, "line one\nline two\n");
}

TEST(Process, EmptyStdinReadsEndOfFile) {
  const ProcessResult result = run_ok(spec_for({"cat"}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.stdout_data, "");
}

TEST(Process, FeedsStdinLargerThanPipeBuffer) {
  ProcessSpec spec = spec_for({"wc", "-c"});
  spec.stdin_data.assign(4 * 1024 * 1024, 'x');
  EXPECT_EQ(run_ok(spec).stdout_data, "4194304\n");
}

TEST(Process, CapsOutputFloodOnBothStreams) {
  ProcessSpec spec =
      spec_for({"/bin/sh", "-c", "head -c 50M /dev/zero >&2 & head -c 50M /dev/zero; wait"});
  spec.max_output_bytes = 1024 * 1024;
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult result = run_ok(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.stdout_data.size(), 1024u * 1024u);
  EXPECT_EQ(result.stderr_data.size(), 1024u * 1024u);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_TRUE(result.stderr_truncated);
}

TEST(Process, OutputAtCapIsNotTruncated) {
  ProcessSpec spec = spec_for({"head", "-c", "100", "/dev/zero"});
  spec.max_output_bytes = 100;
  const ProcessResult result = run_ok(spec);
  EXPECT_EQ(result.stdout_data.size(), 100u);
  EXPECT_FALSE(result.stdout_truncated);
}

TEST(Process, TimeoutKillsChildAndGrandchild) {
  ProcessSpec spec = spec_for({"/bin/sh", "-c", "sleep 100 & echo $!; sleep 100"});
  spec.timeout = 500ms;
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult result = run_ok(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(result.timed_out);
  ASSERT_TRUE(result.signal.has_value());
  EXPECT_EQ(*result.signal, SIGTERM);
  ASSERT_FALSE(result.stdout_data.empty());
  const pid_t grandchild = first_line_as_pid(result.stdout_data);
  EXPECT_TRUE(becomes_gone(grandchild)) << "grandchild " << grandchild << " survived the timeout";
}

TEST(Process, TimeoutEscalatesToSigkill) {
  // The empty trap makes the shell and the sleep it starts ignore SIGTERM.
  ProcessSpec spec = spec_for({"/bin/sh", "-c", "trap '' TERM; sleep 100"});
  spec.timeout = 300ms;
  spec.kill_grace = 300ms;
  const ProcessResult result = run_ok(spec);
  EXPECT_TRUE(result.timed_out);
  ASSERT_TRUE(result.signal.has_value());
  EXPECT_EQ(*result.signal, SIGKILL);
  EXPECT_LT(result.duration, 5s);
}

TEST(Process, KillsBackgroundProcessesAtExit) {
  // The background sleep keeps stdout open, and without the group kill the
  // runner would wait for it until the timeout.
  ProcessSpec spec = spec_for({"/bin/sh", "-c", "sleep 100 & echo $!"});
  const ProcessResult result = run_ok(spec);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.timed_out);
  EXPECT_LT(result.duration, 5s);
  ASSERT_FALSE(result.stdout_data.empty());
  const pid_t background = first_line_as_pid(result.stdout_data);
  EXPECT_TRUE(becomes_gone(background)) << "background process " << background << " survived";
}

TEST(Process, EnvironmentIsExactlyTheGivenOne) {
  ProcessSpec spec = spec_for({"/usr/bin/env"});
  spec.env = {"A=1", "B=two words", "EMPTY="};
  EXPECT_EQ(run_ok(spec).stdout_data, "A=1\nB=two words\nEMPTY=\n");
}

TEST(Process, LooksUpProgramInGivenPath) {
  ProcessSpec spec = spec_for({"echo", "found"});
  spec.env = {"PATH=relative:/nonexistent:/bin"};
  EXPECT_EQ(run_ok(spec).stdout_data, "found\n");
}

TEST(Process, MissingProgramIsClearError) {
  auto result = run_process(spec_for({"/nonexistent/program"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "execve(\"/nonexistent/program\") failed: No such file or directory");
}

TEST(Process, ProgramNotInPathIsClearError) {
  auto result = run_process(spec_for({"no-such-program-anywhere"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(),
            "execve(\"no-such-program-anywhere\") failed: No such file or directory");
}

TEST(Process, HonoursCwd) {
  ProcessSpec spec = spec_for({"pwd"});
  spec.cwd = "/usr/share";
  EXPECT_EQ(run_ok(spec).stdout_data, "/usr/share\n");
}

TEST(Process, MissingCwdIsClearError) {
  ProcessSpec spec = spec_for({"pwd"});
  spec.cwd = "/nonexistent-directory";
  auto result = run_process(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "chdir(\"/nonexistent-directory\") failed: No such file or directory");
}

TEST(Process, DropsToNobodyWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  ProcessSpec spec = spec_for({"/bin/sh", "-c", "id -u; id -g; id -G"});
  spec.run_as = Credentials{65534, 65534};
  const ProcessResult result = run_ok(spec);
  EXPECT_EQ(result.stdout_data, "65534\n65534\n65534\n");
}

TEST(Process, UserDropWithoutPrivilegeFails) {
  // The check needs an unprivileged caller. Under root, a forked child
  // first becomes uid 65533 so that the test runs (and can fail) in CI too.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65533, 65533, 65533) != 0 ||
         ::setresuid(65533, 65533, 65533) != 0)) {
      ::_exit(3);
    }
    ProcessSpec spec = spec_for({"id", "-u"});
    spec.run_as = Credentials{65534, 65534};
    auto result = run_process(spec);
    if (result.ok()) ::_exit(1);
    ::_exit(result.error().find("setgroups(\"0\") failed") != std::string::npos ? 0 : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: the drop succeeded, 2: it failed with another error, 3: the child could not drop root";
}

TEST(Process, SetsNoNewPrivs) {
  const ProcessResult result = run_ok(spec_for({"grep", "^NoNewPrivs:", "/proc/self/status"}));
  EXPECT_EQ(result.stdout_data, "NoNewPrivs:\t1\n");
}

TEST(Process, ClosesInheritedDescriptors) {
  // Opened without O_CLOEXEC, as a careless library in the proxy might.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  const std::string check =
      "test -e /proc/$$/fd/" + std::to_string(leaked) + " && echo open || echo closed";
  const ProcessResult result = run_ok(spec_for({"/bin/sh", "-c", check}));
  ::close(leaked);
  EXPECT_EQ(result.stdout_data, "closed\n");
}

TEST(Process, ChildLeadsItsOwnSession) {
  const ProcessResult result = run_ok(spec_for({"/bin/sh", "-c", "cat /proc/$$/stat"}));
  // Fields: pid (comm) state ppid pgrp session ...
  std::istringstream fields(result.stdout_data);
  std::string pid, comm, state, ppid, group, session;
  fields >> pid >> comm >> state >> ppid >> group >> session;
  EXPECT_EQ(group, pid);
  EXPECT_EQ(session, pid);
}

TEST(Process, RejectsInvalidSpecs) {
  struct Case {
    const char* name;
    ProcessSpec spec;
    const char* expected;
  };
  std::vector<Case> cases;
  cases.push_back({"empty argv", spec_for({}), "argv is empty"});
  cases.push_back({"empty program", spec_for({""}), "argv is empty"});
  cases.push_back({"NUL in argument", spec_for({"echo", std::string("a\0b", 3)}), "NUL byte"});
  ProcessSpec relative_cwd = spec_for({"true"});
  relative_cwd.cwd = "tmp";
  cases.push_back({"relative cwd", relative_cwd, "not an absolute path"});
  ProcessSpec bad_env = spec_for({"/bin/true"});
  bad_env.env = {"NOEQUALS"};
  cases.push_back({"env without =", bad_env, "is not NAME=value"});
  ProcessSpec empty_name = spec_for({"/bin/true"});
  empty_name.env = {"=value"};
  cases.push_back({"env with empty name", empty_name, "is not NAME=value"});
  ProcessSpec no_path = spec_for({"true"});
  no_path.env = {};
  cases.push_back({"no PATH for bare name", no_path, "environment has no PATH"});
  ProcessSpec zero_timeout = spec_for({"/bin/true"});
  zero_timeout.timeout = 0ms;
  cases.push_back({"zero timeout", zero_timeout, "timeout must be positive"});

  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    auto result = run_process(test_case.spec);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().find(test_case.expected), std::string::npos) << result.error();
  }
}

TEST(Process, ConcurrentRunsKeepTheirOwnOutput) {
  constexpr int kThreads = 6;
  std::vector<std::string> outputs(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([i, &outputs] {
      const std::string word = "run" + std::to_string(i);
      auto result = run_process(spec_for({"/bin/sh", "-c", "sleep 0.1; echo " + word}));
      outputs[static_cast<std::size_t>(i)] = result.ok() ? result->stdout_data : result.error();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(outputs[static_cast<std::size_t>(i)], "run" + std::to_string(i) + "\n");
  }
}

TEST(Process, MeasuresDuration) {
  const ProcessResult result = run_ok(spec_for({"sleep", "0.2"}));
  EXPECT_GE(result.duration, 150ms);
  EXPECT_LT(result.duration, 5s);
}

}  // namespace
}  // namespace nucleus::proxy
