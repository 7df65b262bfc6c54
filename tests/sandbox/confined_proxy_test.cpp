// A tool proxy started in-process with --confine-commands: commands run
// through the run tool, and git through the git tools, get the confinement.
#include <gtest/gtest.h>

#include "../proxy/proxy_fixture.h"
#include "child_probe.h"
#include "sandbox/landlock.h"

namespace nucleus::proxy::testing {
namespace {

using nlohmann::json;
using sandbox::testing::ScratchDir;

const char* kPermissive = R"(apiVersion: nucleus.io/v1
kind: PodSpec
metadata:
  name: confined
spec:
  profile: permissive
  work_dir: /workspace
  capabilities:
    web_search: never
    web_fetch: never
    create_pr: never
)";

class ConfinedProxyTest : public ProxyFixture {
 protected:
  void start_confined(std::vector<std::string> writable_dirs = {}) {
    set_policy(kPermissive);
    ProxyFlags flags;
    flags.confine_commands = true;
    flags.writable_dirs = std::move(writable_dirs);
    start(flags);
  }

  // Runs `script` from a file in the workspace, so that the policy checks
  // the command `sh script.sh` and not the paths the script writes.
  json run_script(ProxyClient& c, const std::string& script) {
    const json written = c.call("write", {{"path", "script.sh"}, {"content", script + "\n"}});
    EXPECT_EQ(written["status"], "ok") << written.dump();
    return run(c, "sh script.sh");
  }

  // The run tool's result for `command`, after checking the call itself
  // succeeded.
  json run(ProxyClient& c, const std::string& command) {
    const json reply = c.call("run", {{"command", command}});
    EXPECT_EQ(reply["status"], "ok") << reply.dump();
    return reply["result"];
  }
};

TEST_F(ConfinedProxyTest, NormalCommandWorks) {
  start_confined();
  ProxyClient c = client();
  const json result = run(c, "echo hello > made.txt && cat made.txt && git --version >/dev/null");
  EXPECT_EQ(result["exit_code"], 0) << result.dump();
  EXPECT_EQ(result["stdout"], "hello\n");
}

TEST_F(ConfinedProxyTest, NamespaceCreationDenied) {
  start_confined();
  ProxyClient c = client();
  const json result = run(c, "unshare -U true");
  EXPECT_NE(result["exit_code"], 0) << result.dump();
  EXPECT_NE(result["stderr"].get<std::string>().find("Operation not permitted"), std::string::npos)
      << result.dump();
}

TEST_F(ConfinedProxyTest, WriteOutsideWritableDirsDenied) {
  if (sandbox::landlock_abi_version() == 0) GTEST_SKIP() << "the kernel has no Landlock";
  ScratchDir outside("/var/tmp");
  ASSERT_FALSE(outside.path().empty());
  ::chmod(outside.path().c_str(), 0777);
  start_confined();
  ProxyClient c = client();

  const json denied = run_script(c, "echo x > " + outside.path() + "/escaped");
  EXPECT_NE(denied["exit_code"], 0) << denied.dump();
  EXPECT_NE(denied["stderr"].get<std::string>().find("Permission denied"), std::string::npos) << denied.dump();
  EXPECT_FALSE(fs::exists(outside.path() + "/escaped"));

  const std::string in_tmp = root_.string() + "/from-command";
  ::chmod(root_.c_str(), 0777);
  const json allowed = run_script(c, "echo x > " + in_tmp);
  EXPECT_EQ(allowed["exit_code"], 0) << allowed.dump();
  EXPECT_TRUE(fs::exists(in_tmp));
}

TEST_F(ConfinedProxyTest, ExplicitWritableDirsReplaceDefaults) {
  if (sandbox::landlock_abi_version() == 0) GTEST_SKIP() << "the kernel has no Landlock";
  const fs::path outside = root_ / "outside";
  fs::create_directories(outside);
  ::chmod(root_.c_str(), 0777);
  ::chmod(outside.c_str(), 0777);
  start_confined({workspace().string()});
  ProxyClient c = client();
  const json denied = run_script(c, "echo x > " + outside.string() + "/escaped");
  EXPECT_NE(denied["exit_code"], 0) << denied.dump();
  EXPECT_FALSE(fs::exists(outside / "escaped"));
  const json allowed = run(c, "echo x > inside.txt");
  EXPECT_EQ(allowed["exit_code"], 0) << allowed.dump();
}

TEST_F(ConfinedProxyTest, GitCommitAndPushWork) {
  start_confined();
  ProxyClient c = client();
  ASSERT_EQ(c.call("write", {{"path", "fix.txt"}, {"content", "x\n"}})["status"], "ok");
  const json commit = c.call("git_commit", {{"message", "Fix under confinement"}});
  ASSERT_EQ(commit["status"], "ok") << commit.dump();
  const json pushed = c.call("git_push", {{"remote", remote().string()}, {"branch", "main"}});
  ASSERT_EQ(pushed["status"], "ok") << pushed.dump();
}

TEST_F(ConfinedProxyTest, MissingWritableDirStopsStart) {
  set_policy(kPermissive);
  ProxyFlags flags = fixture_flags();
  flags.confine_commands = true;
  flags.writable_dirs = {"/nonexistent-nucleus-confine"};
  auto started = start_proxy(flags);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().find("/nonexistent-nucleus-confine"), std::string::npos) << started.error();
}

TEST_F(ConfinedProxyTest, UnconfinedProxyUnchanged) {
  set_policy(kPermissive);
  start();
  ProxyClient c = client();
  const json result = run(c, "unshare -U true");
  if (result["exit_code"] != 0) GTEST_SKIP() << "user namespaces unavailable to uid 65534: " << result.dump();
  EXPECT_EQ(result["exit_code"], 0);
}

}  // namespace
}  // namespace nucleus::proxy::testing
