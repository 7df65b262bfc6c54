// A fixture that runs the `nucleus` binary against a FakeNode. Each test gets
// a temporary directory and a state dir without token files. Commands run
// with the node URL and tokens set, stdin from /dev/null and no controlling
// terminal (setsid), so nothing can prompt.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fake_node.h"

namespace nucleus::cli::testing {

struct CliRun {
  int status = -1;
  std::string output;  // stdout, then stderr
  std::string stdout_text;
  std::string stderr_text;
};

inline std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class NodeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("nucleus-node-cli-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "state");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Returns the command line that runs `nucleus ARGS` with NUCLEUS_NODE_URL
  // and, unless `with_tokens` is false, both tokens in the environment.
  std::string command_line(const std::vector<std::string>& args, bool with_tokens) const {
    std::string line = "env -u NUCLEUS_NODE_TOKEN -u NUCLEUS_NODE_APPROVER_TOKEN NUCLEUS_NODE_URL=" +
                       shell_quote(node_.url()) + " NUCLEUS_NODE_STATE_DIR=" + shell_quote((dir_ / "state").string());
    if (with_tokens) {
      line += std::string(" NUCLEUS_NODE_TOKEN=") + kAgentToken + " NUCLEUS_NODE_APPROVER_TOKEN=" + kApproverToken;
    }
    line += " " + shell_quote(NUCLEUS_BINARY);
    for (const std::string& arg : args) line += " " + shell_quote(arg);
    return line;
  }

  // Runs `nucleus ARGS` without a terminal: new session, stdin /dev/null.
  CliRun nucleus(const std::vector<std::string>& args, bool with_tokens = true) const {
    return run_shell("setsid -w " + command_line(args, with_tokens) + " </dev/null");
  }

  // Runs `nucleus ARGS` on a pseudo-terminal made by script(1), typing `input`.
  CliRun nucleus_on_terminal(const std::vector<std::string>& args, const std::string& input) const {
    return run_shell("printf %s " + shell_quote(input) + " | script -qec " + shell_quote(command_line(args, true)) +
                     " /dev/null");
  }

  CliRun run_shell(std::string line) const {
    const std::string err_path = (dir_ / "stderr").string();
    line += " 2>" + shell_quote(err_path);
    CliRun run;
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.stdout_text.append(buffer.data(), n);
    const int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.stderr_text = read_file(err_path);
    run.output = run.stdout_text + run.stderr_text;
    return run;
  }

  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  FakeNode node_;
  std::filesystem::path dir_;
};

}  // namespace nucleus::cli::testing
