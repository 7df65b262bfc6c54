// The whole confinement sequence: capabilities, no_new_privs, Landlock and
// seccomp, applied directly in a child and through run_process, and the
// ordinary work a confined command must still be able to do.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <thread>

#include <fmt/format.h>

#include "child_probe.h"
#include "proxy/process.h"
#include "sandbox/capabilities.h"
#include "sandbox/confinement.h"

namespace nucleus::sandbox::testing {
namespace {

constexpr const char* kNoCapabilities = "0000000000000000";

class ConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(writable_.path().empty());
    ::chmod(writable_.path().c_str(), 0777);
    auto prepared = CommandConfinement::prepare({writable_.path()});
    ASSERT_TRUE(prepared.ok()) << prepared.error();
    prepared_ = std::move(prepared).value();
  }

  // The status of `cat /proc/self/status` run through run_process.
  std::map<std::string, std::string> status_of_command(const proxy::ProcessSpec& base) {
    proxy::ProcessSpec spec = base;
    spec.argv = {"/bin/cat", "/proc/self/status"};
    spec.cwd = "/";
    spec.env = {"PATH=/usr/bin:/bin"};
    auto result = proxy::run_process(spec);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
    if (!result.ok()) return {};
    EXPECT_EQ(result->exit_code, 0) << result->stderr_data;
    return parse_status(result->stdout_data);
  }

  ScratchDir writable_;
  std::shared_ptr<const CommandConfinement> prepared_;
};

void expect_fully_confined(const std::map<std::string, std::string>& status) {
  for (const char* field : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    ASSERT_EQ(status.count(field), 1u) << field;
    EXPECT_EQ(status.at(field), kNoCapabilities) << field;
  }
  ASSERT_EQ(status.count("NoNewPrivs"), 1u);
  EXPECT_EQ(status.at("NoNewPrivs"), "1");
  ASSERT_EQ(status.count("Seccomp"), 1u);
  EXPECT_EQ(status.at("Seccomp"), "2");
}

TEST_F(ConfinementTest, RunProcessAsUserIsFullyConfined) {
  proxy::ProcessSpec spec;
  spec.run_as = proxy::Credentials{65534, 65534};
  spec.confinement = &prepared_->confinement();
  const auto status = status_of_command(spec);
  expect_fully_confined(status);
  EXPECT_EQ(status.at("Uid").substr(0, 5), "65534");
}

TEST_F(ConfinementTest, RunProcessAsRootIsFullyConfined) {
  proxy::ProcessSpec spec;
  spec.confinement = &prepared_->confinement();
  const auto status = status_of_command(spec);
  expect_fully_confined(status);
  EXPECT_EQ(status.at("Uid").substr(0, 1), "0");
}

TEST_F(ConfinementTest, UnconfinedRunProcessKeepsBoundingSet) {
  if ((effective_capabilities() & capability_bit(CAP_SETPCAP)) == 0) {
    GTEST_SKIP() << "the test process has no CAP_SETPCAP, so its bounding set proves nothing";
  }
  proxy::ProcessSpec spec;
  spec.run_as = proxy::Credentials{65534, 65534};
  const auto status = status_of_command(spec);
  EXPECT_NE(status.at("CapBnd"), kNoCapabilities);
  EXPECT_EQ(status.at("Seccomp"), "0");
}

TEST_F(ConfinementTest, KeptCapabilitiesSurviveExec) {
  if ((effective_capabilities() & capability_bit(CAP_SETPCAP)) == 0) {
    GTEST_SKIP() << "the test process has no CAP_SETPCAP";
  }
  const std::uint64_t kept = capability_bit(CAP_DAC_OVERRIDE) | capability_bit(CAP_FOWNER);
  auto prepared = CommandConfinement::prepare({writable_.path()}, kept);
  ASSERT_TRUE(prepared.ok()) << prepared.error();
  proxy::ProcessSpec spec;
  spec.confinement = &(*prepared)->confinement();
  const auto status = status_of_command(spec);
  const std::string expected = fmt::format("{:016x}", kept);
  EXPECT_EQ(status.at("CapEff"), expected);
  EXPECT_EQ(status.at("CapPrm"), expected);
  EXPECT_EQ(status.at("CapBnd"), expected);
  EXPECT_EQ(status.at("CapInh"), kNoCapabilities);
  EXPECT_EQ(status.at("Seccomp"), "2");
}

TEST_F(ConfinementTest, FailedStepIsReported) {
  const int not_a_ruleset = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(not_a_ruleset, 0);
  Confinement bogus = prepared_->confinement();
  bogus.landlock_ruleset_fd = not_a_ruleset;
  proxy::ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.cwd = "/";
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.run_as = proxy::Credentials{65534, 65534};
  spec.confinement = &bogus;
  auto result = proxy::run_process(spec);
  ::close(not_a_ruleset);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("landlock_restrict_self"), std::string::npos) << result.error();
}

TEST_F(ConfinementTest, LandlockDeniesWritesOutsideThroughRunProcess) {
  if (prepared_->landlock_abi() == 0) GTEST_SKIP() << "the kernel has no Landlock";
  ScratchDir outside;
  ::chmod(outside.path().c_str(), 0777);
  proxy::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo in > \"$1/in\" && echo out > \"$2/out\"", "sh", writable_.path(),
               outside.path()};
  spec.cwd = "/";
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.run_as = proxy::Credentials{65534, 65534};
  spec.confinement = &prepared_->confinement();
  auto result = proxy::run_process(spec);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_NE(result->exit_code, 0);
  EXPECT_NE(result->stderr_data.find("Permission denied"), std::string::npos) << result->stderr_data;
  EXPECT_TRUE(std::ifstream(writable_.path() + "/in").good());
  EXPECT_FALSE(std::ifstream(outside.path() + "/out").good());
}

// Runs `probe` as uid 65534 under the full confinement sequence.
int confined_as_user(const Confinement& confinement, const std::function<int()>& probe) {
  const ProbeOutcome outcome = run_probe([&confinement, &probe] {
    if (!drop_capability_bounds(confinement).ok()) return -10;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      return -11;
    }
    const ConfinementStatus status = restrict_process(confinement);
    if (!status.ok()) return -20 - static_cast<int>(status.step);
    return probe();
  });
  EXPECT_EQ(outcome.signal, 0);
  return outcome.value.value_or(-3);
}

TEST_F(ConfinementTest, ForkExecAndPipesWork) {
  const int result = confined_as_user(prepared_->confinement(), [] {
    const ExecResult shell = exec_and_capture({"/bin/sh", "-c", "echo hello | tr a-z A-Z; (exit 3) || echo $?"});
    return shell.exit_code == 0 && shell.output == "HELLO\n3\n" ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST_F(ConfinementTest, ThreadsWork) {
  const int result = confined_as_user(prepared_->confinement(), [] {
    int value = 0;
    std::thread worker([&value] { value = 42; });
    worker.join();
    return value == 42 ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST_F(ConfinementTest, UnixSocketsWork) {
  const int result = confined_as_user(prepared_->confinement(), [] {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return errno;
    char byte = 0;
    if (::write(pair[0], "x", 1) != 1 || ::read(pair[1], &byte, 1) != 1) return errno;
    return byte == 'x' ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST_F(ConfinementTest, LoopbackTcpWorks) {
  const int result = confined_as_user(prepared_->confinement(), [] {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    if (::bind(listener, raw, length) != 0 || ::listen(listener, 1) != 0 ||
        ::getsockname(listener, raw, &length) != 0) {
      return errno;
    }
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, raw, length) != 0) return errno;
    const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    char byte = 0;
    if (server < 0 || ::send(client, "y", 1, 0) != 1 || ::recv(server, &byte, 1, 0) != 1) return errno;
    return byte == 'y' ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST_F(ConfinementTest, GitVersionWorks) {
  if (::access("/usr/bin/git", X_OK) != 0) GTEST_SKIP() << "/usr/bin/git is not installed";
  const int result = confined_as_user(prepared_->confinement(), [] {
    const ExecResult git = exec_and_capture({"/usr/bin/git", "--version"});
    return git.exit_code == 0 && git.output.rfind("git version", 0) == 0 ? 0 : 1;
  });
  EXPECT_EQ(result, 0);
}

TEST_F(ConfinementTest, NamespaceCreationDeniedAfterUserDrop) {
  const int result = confined_as_user(prepared_->confinement(), [] { return error_of(::unshare(CLONE_NEWUSER)); });
  EXPECT_EQ(result, EPERM);
}

TEST_F(ConfinementTest, WorksUnderSupervisorFilter) {
  const Confinement& confinement = prepared_->confinement();
  const ProbeOutcome outcome = run_probe([&confinement] {
    if (!apply_supervisor_filter()) return -2;
    proxy::ProcessSpec spec;
    spec.argv = {"/bin/cat", "/proc/self/status"};
    spec.cwd = "/";
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.run_as = proxy::Credentials{65534, 65534};
    spec.confinement = &confinement;
    auto result = proxy::run_process(spec);
    if (!result.ok() || result->exit_code != 0) return -3;
    const auto status = parse_status(result->stdout_data);
    return status.at("CapBnd") == kNoCapabilities && status.at("Seccomp") == "2" ? 0 : 1;
  });
  ASSERT_TRUE(outcome.value.has_value());
  EXPECT_EQ(*outcome.value, 0);
}

TEST(ConfinementSteps, EveryStepHasCallName) {
  for (const ConfinementStep step :
       {ConfinementStep::clear_ambient, ConfinementStep::drop_bounding_set, ConfinementStep::clear_capabilities,
        ConfinementStep::no_new_privs, ConfinementStep::landlock, ConfinementStep::seccomp}) {
    EXPECT_NE(confinement_step_call(step).find('('), std::string_view::npos);
  }
}

}  // namespace
}  // namespace nucleus::sandbox::testing
