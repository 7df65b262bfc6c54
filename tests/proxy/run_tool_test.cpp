#include "proxy/run_tool.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "policy/shell.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;

constexpr const char* kWorkDir = "/workspace";

// A temp dir standing in for the workspace, readable and writable by the
// unprivileged user the commands run as.
class RunToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "run-tool-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = std::filesystem::canonical(pattern).string();
    std::filesystem::create_directory(root_ + "/sub");
    ::chmod(root_.c_str(), 0777);
    ::chmod((root_ + "/sub").c_str(), 0777);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Maps /workspace and its existing subdirectories onto the temp dir and
  // rejects every other path, like the workspace's confinement would.
  ResolveDir resolver() const {
    return [root = root_](const std::string& agent_path) -> Result<std::string> {
      const std::string prefix = std::string(kWorkDir);
      if (agent_path != prefix && agent_path.rfind(prefix + "/", 0) != 0) {
        return make_error("path is outside the workspace");
      }
      const std::string real = root + agent_path.substr(prefix.size());
      if (!std::filesystem::is_directory(real)) return make_error("not a directory");
      return real;
    };
  }

  RunConfig config() const {
    RunConfig config;
    config.work_dir = kWorkDir;
    if (::geteuid() != 0) config.allow_same_user = true;
    if (::geteuid() != 0) config.run_as.reset();
    return config;
  }

  RunTool make_tool(const RunConfig& config) const {
    auto tool = RunTool::make(config, resolver());
    if (!tool.ok()) ADD_FAILURE() << tool.error();
    return std::move(tool.value());
  }

  json run_ok(const json& arguments) const { return run_ok(make_tool(config()), arguments); }

  static json run_ok(const RunTool& tool, const json& arguments) {
    ToolResult result = tool.call(arguments);
    if (auto* error = std::get_if<ToolError>(&result)) {
      ADD_FAILURE() << to_string(error->kind) << ": " << error->message;
      return json::object();
    }
    return std::get<json>(result);
  }

  ToolError run_error(const json& arguments) const {
    ToolResult result = make_tool(config()).call(arguments);
    if (!is_error(result)) {
      ADD_FAILURE() << "expected an error, got " << std::get<json>(result).dump();
      return {};
    }
    return std::get<ToolError>(result);
  }

  std::string root_;
};

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(RunToolTest, RunsCommandThroughShell) {
  const json result = run_ok({{"command", "echo hello | tr a-z A-Z; exit 4"}});
  EXPECT_EQ(result["stdout"], "HELLO\n");
  EXPECT_EQ(result["exit_code"], 4);
  EXPECT_FALSE(result.contains("signal"));
  EXPECT_EQ(result["timed_out"], false);
  EXPECT_TRUE(result["duration_ms"].is_number_integer());
}

TEST_F(RunToolTest, RunsArgvWithoutShellExpansion) {
  const json result = run_ok({{"argv", {"echo", "$HOME", "*", "a b"}}});
  EXPECT_EQ(result["stdout"], "$HOME * a b\n");
  EXPECT_EQ(result["exit_code"], 0);
}

TEST_F(RunToolTest, SeparatesStdoutAndStderr) {
  const json result = run_ok({{"command", "echo out; echo err >&2"}});
  EXPECT_EQ(result["stdout"], "out\n");
  EXPECT_EQ(result["stderr"], "err\n");
  EXPECT_EQ(result["stdout_truncated"], false);
  EXPECT_EQ(result["stderr_truncated"], false);
}

TEST_F(RunToolTest, RejectsInvalidArguments) {
  struct Case {
    const char* name;
    json arguments;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"not an object", json::array(), "must be a JSON object"},
      {"neither argv nor command", json::object(), "exactly one of"},
      {"both argv and command", {{"argv", {"true"}}, {"command", "true"}}, "exactly one of"},
      {"argv not an array", {{"argv", "true"}}, "must be an array"},
      {"argv empty", {{"argv", json::array()}}, "must not be empty"},
      {"argv with a number", {{"argv", {"echo", 1}}}, "only strings"},
      {"argv with empty program", {{"argv", {""}}}, "empty program name"},
      {"argv with NUL", {{"argv", {"echo", std::string("a\0b", 3)}}}, "NUL byte"},
      {"command not a string", {{"command", 5}}, "must be a string"},
      {"command blank", {{"command", " \n"}}, "is empty"},
      {"command with NUL", {{"command", std::string("true\0x", 6)}}, "NUL byte"},
      {"unknown key", {{"command", "true"}, {"shell", "bash"}}, "unknown argument \"shell\""},
      {"timeout zero", {{"command", "true"}, {"timeout_seconds", 0}}, "from 1 to 3600"},
      {"timeout too long", {{"command", "true"}, {"timeout_seconds", 3601}}, "from 1 to 3600"},
      {"timeout fractional", {{"command", "true"}, {"timeout_seconds", 1.5}}, "from 1 to 3600"},
      {"cwd not a string", {{"command", "true"}, {"cwd", 1}}, "\"cwd\" must be a string"},
      {"stdin not a string", {{"command", "cat"}, {"stdin", json::array()}}, "\"stdin\""},
      {"env not an object", {{"command", "true"}, {"env", {"CI"}}}, "must be an object"},
      {"env value not a string", {{"command", "true"}, {"env", {{"CI", 1}}}}, "must be a string"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const ToolError error = run_error(test_case.arguments);
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument);
    EXPECT_NE(error.message.find(test_case.expected), std::string::npos) << error.message;
  }
}

TEST_F(RunToolTest, EnvironmentIsBasePlusAllowlisted) {
  const json result = run_ok({{"argv", {"env"}}, {"env", {{"CI", "true"}, {"NODE_ENV", "test"}}}});
  const std::vector<std::string> expected = {
      "CI=true",
      "HOME=" + root_,
      "LANG=C.UTF-8",
      "NODE_ENV=test",
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "TERM=dumb",
  };
  EXPECT_EQ(sorted_lines(result["stdout"]), expected);
}

TEST_F(RunToolTest, PassesProxySettingsInBothCases) {
  RunConfig with_proxy = config();
  with_proxy.proxy.https_proxy = "http://127.0.0.1:3128";
  with_proxy.proxy.no_proxy = "localhost";
  const json result = run_ok(make_tool(with_proxy), {{"argv", {"env"}}});
  const std::vector<std::string> lines = sorted_lines(result["stdout"]);
  for (const std::string entry :
       {"HTTPS_PROXY=http://127.0.0.1:3128", "https_proxy=http://127.0.0.1:3128",
        "NO_PROXY=localhost", "no_proxy=localhost"}) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), entry), lines.end()) << entry;
  }
  EXPECT_EQ(lines.size(), 8u) << result["stdout"];
}

TEST_F(RunToolTest, RejectsEnvNamesOutsideAllowlist) {
  struct Case {
    const char* name;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"FOO", "FOO is not in the allowlist"},
      {"PATH", "PATH is set by the proxy"},
      {"HOME", "HOME is set by the proxy"},
      {"HTTPS_PROXY", "HTTPS_PROXY is set by the proxy"},
      {"no_proxy", "no_proxy is set by the proxy"},
      {"LD_PRELOAD", "LD_PRELOAD can change which program runs"},
      {"BASH_ENV", "BASH_ENV can change which program runs"},
      {"GIT_SSH_COMMAND", "GIT_SSH_COMMAND can change which program runs"},
      {"1BAD", "is not a valid variable name"},
      {"A-B", "is not a valid variable name"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const ToolError error = run_error({{"command", "true"}, {"env", {{test_case.name, "x"}}}});
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument);
    EXPECT_NE(error.message.find(test_case.expected), std::string::npos) << error.message;
  }
}

TEST_F(RunToolTest, MakeRejectsDangerousAllowlistEntries) {
  for (const char* name : {"LD_PRELOAD", "PATH", "GIT_SSH_COMMAND", "HTTP_PROXY", "bad name"}) {
    SCOPED_TRACE(name);
    RunConfig unsafe = config();
    unsafe.env_allowlist.push_back(name);
    auto tool = RunTool::make(unsafe, resolver());
    ASSERT_FALSE(tool.ok());
    EXPECT_NE(tool.error().find("env_allowlist"), std::string::npos) << tool.error();
  }
}

TEST_F(RunToolTest, MakeRejectsProxyUser) {
  RunConfig no_user = config();
  no_user.allow_same_user = false;
  no_user.run_as.reset();
  EXPECT_FALSE(RunTool::make(no_user, resolver()).ok());

  RunConfig same_user = no_user;
  same_user.run_as = Credentials{::geteuid(), ::getegid()};
  auto rejected = RunTool::make(same_user, resolver());
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().find("--allow-same-user"), std::string::npos) << rejected.error();

  same_user.allow_same_user = true;
  EXPECT_TRUE(RunTool::make(same_user, resolver()).ok());
}

TEST_F(RunToolTest, MakeRejectsInconsistentConfig) {
  RunConfig relative = config();
  relative.work_dir = "workspace";
  EXPECT_FALSE(RunTool::make(relative, resolver()).ok());

  RunConfig timeouts = config();
  timeouts.limits.default_timeout = std::chrono::seconds(7200);
  EXPECT_FALSE(RunTool::make(timeouts, resolver()).ok());

  EXPECT_FALSE(RunTool::make(config(), nullptr).ok());
}

TEST_F(RunToolTest, RunsAsUnprivilegedUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  const json result = run_ok({{"command", "id -u; id -g; touch made-by-command"}});
  EXPECT_EQ(result["stdout"], "65534\n65534\n");
  struct stat status {};
  ASSERT_EQ(::stat((root_ + "/made-by-command").c_str(), &status), 0);
  EXPECT_EQ(status.st_uid, 65534u);
}

TEST_F(RunToolTest, DefaultCwdIsWorkDir) {
  EXPECT_EQ(run_ok({{"argv", {"pwd"}}})["stdout"], root_ + "\n");
}

TEST_F(RunToolTest, CwdInsideWorkspaceIsHonoured) {
  EXPECT_EQ(run_ok({{"argv", {"pwd"}}, {"cwd", "/workspace/sub"}})["stdout"], root_ + "/sub\n");
}

TEST_F(RunToolTest, CwdOutsideWorkspaceIsDenied) {
  const ToolError error = run_error({{"argv", {"pwd"}}, {"cwd", "/etc"}});
  EXPECT_EQ(error.kind, ToolError::Kind::denied);
  EXPECT_NE(error.message.find("outside the workspace"), std::string::npos) << error.message;
}

TEST_F(RunToolTest, TimeoutIsReportedInResult) {
  const json result = run_ok({{"command", "sleep 30"}, {"timeout_seconds", 1}});
  EXPECT_EQ(result["timed_out"], true);
  EXPECT_TRUE(result["exit_code"].is_null());
  EXPECT_EQ(result["signal"], "SIGTERM");
  EXPECT_LT(result["duration_ms"].get<int>(), 10'000);
}

TEST_F(RunToolTest, CapsEachOutputStream) {
  RunConfig small = config();
  small.limits.max_output_bytes = 1000;
  const json result =
      run_ok(make_tool(small), {{"command", "yes | head -c 5000; yes | head -c 10 >&2"}});
  EXPECT_EQ(result["stdout"].get<std::string>().size(), 1000u);
  EXPECT_EQ(result["stdout_truncated"], true);
  EXPECT_EQ(result["stderr"].get<std::string>().size(), 10u);
  EXPECT_EQ(result["stderr_truncated"], false);
}

TEST_F(RunToolTest, ReplacesInvalidUtf8InOutput) {
  const json result = run_ok({{"command", "printf 'a\\377b'"}});
  EXPECT_EQ(result["stdout"],
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_NO_THROW((void)result.dump());
}

TEST_F(RunToolTest, FeedsStdin) {
  EXPECT_EQ(run_ok({{"command", "cat"}, {"stdin", "piped input"}})["stdout"], "piped input");
}

TEST_F(RunToolTest, StdinOverLimitIsTooLarge) {
  RunConfig small = config();
  small.limits.max_stdin_bytes = 4;
  ToolResult result = make_tool(small).call({{"command", "cat"}, {"stdin", "12345"}});
  ASSERT_TRUE(is_error(result));
  EXPECT_EQ(std::get<ToolError>(result).kind, ToolError::Kind::too_large);
}

TEST_F(RunToolTest, MissingProgramFailsClearly) {
  const ToolError error = run_error({{"argv", {"no-such-program-anywhere"}}});
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message,
            "execve(\"no-such-program-anywhere\") failed: No such file or directory");
}

TEST(RunCommandLine, CommandIsTakenAsIs) {
  auto line = run_command_line({{"command", "make -j2 && ./test"}});
  ASSERT_TRUE(std::holds_alternative<std::string>(line));
  EXPECT_EQ(std::get<std::string>(line), "make -j2 && ./test");
}

TEST(RunCommandLine, ArgvIsQuoted) {
  auto line = run_command_line({{"argv", {"rm", "-rf", "a b; reboot"}}});
  ASSERT_TRUE(std::holds_alternative<std::string>(line));
  EXPECT_EQ(std::get<std::string>(line), "rm -rf 'a b; reboot'");
}

TEST(RunCommandLine, InvalidArgumentsAreErrors) {
  auto line = run_command_line({{"argv", {"x"}}, {"command", "y"}});
  ASSERT_TRUE(std::holds_alternative<ToolError>(line));
  EXPECT_EQ(std::get<ToolError>(line).kind, ToolError::Kind::invalid_argument);
}

TEST(ShellQuote, QuotesOnlyWhatNeedsIt) {
  struct Case {
    std::vector<std::string> argv;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"ls", "-la", "src/a.c"}, "ls -la src/a.c"},
      {{"echo", ""}, "echo ''"},
      {{"echo", "a b"}, "echo 'a b'"},
      {{"echo", "it's"}, "echo 'it'\\''s'"},
      {{"echo", "$HOME", "`id`", "*"}, "echo '$HOME' '`id`' '*'"},
      {{"echo", "a;b", "a|b", "a&b", "a>b"}, "echo 'a;b' 'a|b' 'a&b' 'a>b'"},
      {{"echo", "#comment", "~"}, "echo '#comment' '~'"},
      {{"FOO=bar", "x=y"}, "'FOO=bar' x=y"},
      {{"if", "then"}, "'if' then"},
      {{"echo", "line\nbreak"}, "echo 'line\nbreak'"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.expected);
    EXPECT_EQ(shell_quote_argv(test_case.argv), test_case.expected);
  }
}

void expect_round_trip(const std::vector<std::string>& argv) {
  const std::string line = shell_quote_argv(argv);
  auto commands = policy::split_command_line(line);
  ASSERT_TRUE(commands.ok()) << line << ": " << commands.error();
  ASSERT_EQ(commands->size(), 1u) << line;
  const policy::SimpleCommand& command = commands->front();
  EXPECT_TRUE(command.assignments.empty()) << line;
  EXPECT_TRUE(command.redirections.empty()) << line;
  EXPECT_EQ(command.argv, argv) << line;
}

TEST(ShellQuote, RoundTripsThroughPolicySplitter) {
  const std::vector<std::vector<std::string>> cases = {
      {"git", "commit", "-m", "fix: it's done; really"}, {"FOO=bar", "baz"},
      {"echo", "", "''", "\\", "\"", "a'b'c"},           {"printf", "%s\n", "tab\there"},
      {"echo", "2>&1", ">out", "<in", "|", "&&"},        {"echo", "$(id)", "${x}", "#"},
      {"grep", "-e", "[a-z]*", "{a,b}", "!x"},
  };
  for (const auto& argv : cases) {
    SCOPED_TRACE(shell_quote_argv(argv));
    expect_round_trip(argv);
  }
}

TEST(ShellQuote, QuotedKeywordProgramIsRejectedNotMisread) {
  for (const char* program : {"if", "while", "{", "}", "[["}) {
    SCOPED_TRACE(program);
    const std::string line = shell_quote_argv({program, "x"});
    auto commands = policy::split_command_line(line);
    EXPECT_FALSE(commands.ok()) << line;
  }
}

// The splitter rejects these program words even when quoted (see the test
// above), so the property leaves them out.
bool is_rejected_program(const std::string& word) {
  static const std::vector<std::string> kRejected = {
      "if",     "then",    "else",   "elif", "fi", "do",       "done",   "case",
      "esac",   "while",   "until",  "for",  "in", "function", "select", "coproc",
      "repeat", "foreach", "switch", "{",    "}",  "[[",       "]]",
  };
  return std::find(kRejected.begin(), kRejected.end(), word) != kRejected.end();
}

RC_GTEST_PROP(ShellQuote, RoundTripsArbitraryWords, ()) {
  const std::string alphabet = "ab0_-./=:'\"\\ \t\n$`*?[]{}()<>|&;#~!%^@,";
  const auto word = rc::gen::container<std::string>(rc::gen::elementOf(alphabet));
  std::vector<std::string> argv = {*rc::gen::nonEmpty(word)};
  RC_PRE(!is_rejected_program(argv.front()));
  for (std::string& argument : *rc::gen::container<std::vector<std::string>>(word)) {
    argv.push_back(std::move(argument));
  }
  const std::string line = shell_quote_argv(argv);
  auto commands = policy::split_command_line(line);
  RC_ASSERT(commands.ok());
  RC_ASSERT(commands->size() == 1u);
  RC_ASSERT(commands->front().assignments.empty());
  RC_ASSERT(commands->front().redirections.empty());
  RC_ASSERT(commands->front().argv == argv);
}

}  // namespace
}  // namespace nucleus::proxy
