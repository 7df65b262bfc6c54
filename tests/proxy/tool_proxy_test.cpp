// The whole pipeline over a real Unix socket: decisions, approvals, budget,
// tightening, bad input and the audit log, on a real git workspace.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include "proxy/audit_verify.h"
#include "proxy_fixture.h"
#include "test_http_server.h"

namespace nucleus::proxy::testing {
namespace {

using nlohmann::json;

const char* kFixIssue = R"(apiVersion: nucleus.io/v1
kind: PodSpec
metadata:
  name: fixer
spec:
  profile: fix-issue
  work_dir: /workspace
)";

std::string fix_issue_with(const std::string& extra) { return std::string(kFixIssue) + extra; }

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ToolProxyTest : public ProxyFixture {};

TEST_F(ToolProxyTest, FileToolsFollowThePolicy) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();

  const json read = c.call("read", {{"path", "README.md"}});
  ASSERT_EQ(read["status"], "ok") << read.dump();
  EXPECT_EQ(read["result"]["content"], "hello nucleus\n");

  const json secret = c.call("read", {{"path", "/workspace/.env"}});
  EXPECT_EQ(secret["status"], "denied");
  EXPECT_EQ(secret["reason"], "path /workspace/.env matches blocked pattern **/.env");

  const json written = c.call("write", {{"path", "src/fix.txt"}, {"content", "patched\n"}});
  ASSERT_EQ(written["status"], "ok") << written.dump();
  const json edited = c.call("edit", {{"path", "src/fix.txt"}, {"old_string", "patched"}, {"new_string", "fixed"}});
  ASSERT_EQ(edited["status"], "ok") << edited.dump();
  EXPECT_EQ(read_all((workspace() / "src/fix.txt").string()), "fixed\n");

  const json globbed = c.call("glob", {{"pattern", "**/*"}});
  ASSERT_EQ(globbed["status"], "ok") << globbed.dump();
  EXPECT_EQ(globbed["result"].dump().find(".env"), std::string::npos) << "blocked names must not be listed";

  const json grepped = c.call("grep", {{"pattern", "API_KEY|hello"}});
  ASSERT_EQ(grepped["status"], "ok") << grepped.dump();
  EXPECT_EQ(grepped["result"].dump().find("do-not-leak"), std::string::npos);
  EXPECT_NE(grepped["result"].dump().find("hello nucleus"), std::string::npos);
}

TEST_F(ToolProxyTest, ApprovedRunIsSingleUse) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();

  const json pending = c.call("run", {{"argv", {"ls", "-a"}}}, {{"wait", false}});
  ASSERT_EQ(pending["status"], "approval_required") << pending.dump();
  EXPECT_NE(pending["reason"].get<std::string>().find("trifecta complete"), std::string::npos);
  const std::string id = pending["approval_id"];

  const json listed = c.request("approvals.list", json::object());
  ASSERT_EQ(listed["result"]["approvals"].size(), 1u);
  const json& request = listed["result"]["approvals"][0];
  EXPECT_EQ(request["arguments"]["argv"][0], "ls");

  const json forged = c.request("approvals.decide", {{"approval_id", id},
                                                     {"token", approve_token(request, true, std::string(48, 'x'))}});
  EXPECT_EQ(forged["status"], "error") << forged.dump();

  const json decided = c.request("approvals.decide", {{"approval_id", id}, {"token", approve_token(request)}});
  ASSERT_EQ(decided["status"], "ok") << decided.dump();

  const json other_args = c.call("run", {{"argv", {"ls", "-la"}}}, {{"approval_id", id}});
  EXPECT_EQ(other_args["status"], "denied") << other_args.dump();

  const json ran = c.call("run", {{"argv", {"ls", "-a"}}}, {{"approval_id", id}});
  ASSERT_EQ(ran["status"], "ok") << ran.dump();
  EXPECT_NE(ran["result"]["stdout"].get<std::string>().find("README.md"), std::string::npos);

  const json replay = c.call("run", {{"argv", {"ls", "-a"}}}, {{"approval_id", id}});
  EXPECT_EQ(replay["status"], "denied") << replay.dump();
}

TEST_F(ToolProxyTest, WaitingCallRunsOnceApprovedAndPushLands) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();
  ASSERT_EQ(c.call("write", {{"path", "fix.txt"}, {"content", "x\n"}})["status"], "ok");
  const json commit = c.call("git_commit", {{"message", "Fix the bug"}});
  ASSERT_EQ(commit["status"], "ok") << commit.dump();

  auto pushed = std::async(std::launch::async, [&] {
    ProxyClient agent = client();
    return agent.call("git_push", {{"remote", remote().string()}, {"branch", "main"}});
  });
  json pending;
  for (int i = 0; i < 100 && pending.is_null(); ++i) {
    const json listed = c.request("approvals.list", json::object());
    if (!listed["result"]["approvals"].empty()) pending = listed["result"]["approvals"][0];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(pending.is_null()) << "git_push never asked for approval";
  EXPECT_EQ(pending["operation"], "git_push");
  ASSERT_EQ(c.request("approvals.decide", {{"approval_id", pending["approval_id"]}, {"token", approve_token(pending)}})["status"],
            "ok");

  const json result = pushed.get();
  ASSERT_EQ(result["status"], "ok") << result.dump();
  const std::string head = commit["result"]["commit"];
  EXPECT_EQ(run_shell("git --git-dir=" + remote().string() + " cat-file -e " + head), 0);
}

TEST_F(ToolProxyTest, DeniedApprovalEndsTheWaitingCall) {
  set_policy(kFixIssue);
  start();
  auto pushed = std::async(std::launch::async, [&] {
    ProxyClient agent = client();
    return agent.call("create_pr", {{"title", "t"}, {"head", "a"}, {"base", "main"}});
  });
  ProxyClient c = client();
  json pending;
  for (int i = 0; i < 100 && pending.is_null(); ++i) {
    const json listed = c.request("approvals.list", json::object());
    if (!listed["result"]["approvals"].empty()) pending = listed["result"]["approvals"][0];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(pending.is_null());
  c.request("approvals.decide", {{"approval_id", pending["approval_id"]}, {"token", approve_token(pending, false)}});
  const json result = pushed.get();
  EXPECT_EQ(result["status"], "denied");
  EXPECT_NE(result["reason"].get<std::string>().find("the approver denied"), std::string::npos) << result.dump();
}

TEST_F(ToolProxyTest, WebFetchChecksDnsAllow) {
  TestHttpServer server;
  server.respond("/page", {200, {{"Content-Type", "text/plain"}}, "fetched", {}});
  set_policy(fix_issue_with("  network:\n    dns_allow:\n      - \"127.0.0.1:" + std::to_string(server.port()) + "\"\n"));
  start();
  ProxyClient c = client();
  const json fetched = c.call("web_fetch", {{"url", server.url("/page")}});
  ASSERT_EQ(fetched["status"], "ok") << fetched.dump();
  EXPECT_EQ(fetched["result"]["body"], "fetched");
  const json other = c.call("web_fetch", {{"url", "http://127.0.0.1:1/"}});
  EXPECT_EQ(other["status"], "denied");
  EXPECT_EQ(other["reason"], "127.0.0.1:1 is not in dns_allow");
}

TEST_F(ToolProxyTest, BudgetRunsOutUnderConcurrentCalls) {
  set_policy(fix_issue_with("  budget:\n    max_cost_usd: 0.05\n"));
  ProxyFlags flags;
  flags.cost_base = "0.001";
  flags.cost_per_second = "0";
  start(flags);
  std::atomic<int> allowed{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> agents;
  for (int t = 0; t < 8; ++t) {
    agents.emplace_back([&] {
      ProxyClient agent = client();
      for (int i = 0; i < 10; ++i) {
        const json r = agent.call("read", {{"path", "README.md"}});
        if (r["status"] == "ok") {
          ++allowed;
        } else if (r["status"] == "denied" && r["reason"].get<std::string>().find("max_cost_usd 0.05") != std::string::npos) {
          ++refused;
        }
      }
    });
  }
  for (auto& agent : agents) agent.join();
  EXPECT_EQ(allowed.load(), 50);
  EXPECT_EQ(refused.load(), 30);
  const json status = client().request("status", json::object());
  EXPECT_EQ(status["result"]["budget_spent"]["cost_usd"], "0.05");
}

TEST_F(ToolProxyTest, PolicyOnlyTightens) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();
  // read-only is not narrower: it does not block secrets. restrictive is.
  const json not_narrower = c.request("policy.tighten", {{"profile", "read-only"}});
  EXPECT_EQ(not_narrower["status"], "denied") << not_narrower.dump();
  const json narrowed = c.request("policy.tighten", {{"profile", "restrictive"}});
  ASSERT_EQ(narrowed["status"], "ok") << narrowed.dump();
  const json write = c.call("write", {{"path", "x.txt"}, {"content", "x"}});
  EXPECT_EQ(write["status"], "denied");
  const json loosen = c.request("policy.tighten", {{"profile", "fix-issue"}});
  EXPECT_EQ(loosen["status"], "denied") << loosen.dump();
  EXPECT_NE(read_all(audit_log()).find("policy_loosen_rejected"), std::string::npos);
}

TEST_F(ToolProxyTest, BadInputGetsClearErrorsAndIsAudited) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();
  struct Case {
    const char* name;
    std::string line;
    const char* status;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"NotJson", "{nope", "error", "not valid JSON"},
      {"NotObject", "[1,2]", "error", "must be a JSON object"},
      {"UnknownMethod", R"({"id":1,"method":"format_disk"})", "error", "unknown method"},
      {"UnknownTool", R"({"id":2,"method":"call","params":{"tool":"teleport"}})", "error", "unknown tool"},
      {"ArgsNotObject", R"({"id":3,"method":"call","params":{"tool":"read","args":[1]}})", "error", "wrong type"},
      {"MissingPath", R"({"id":4,"method":"call","params":{"tool":"read","args":{}}})", "error", "path"},
      {"NulInPath", R"({"id":5,"method":"call","params":{"tool":"read","args":{"path":"a\u0000b"}}})", "denied", "NUL"},
      {"UnknownParam", R"({"id":6,"method":"call","params":{"tool":"read","bogus":1}})", "error", "unknown call parameter"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const json reply = c.send_line(k.line);
    EXPECT_EQ(reply["status"], k.status) << reply.dump();
    EXPECT_NE(reply.dump().find(k.message_part), std::string::npos) << reply.dump();
  }
  EXPECT_FALSE(fs::exists(workspace() / "a"));
  const std::string log = read_all(audit_log());
  EXPECT_NE(log.find("\"event\":\"rejected\""), std::string::npos);
}

TEST_F(ToolProxyTest, AuditLogVerifiesAndHoldsNoContents) {
  set_policy(kFixIssue);
  start();
  {
    ProxyClient c = client();
    c.call("read", {{"path", "README.md"}});
    c.call("read", {{"path", ".env"}});
    c.call("write", {{"path", "notes.txt"}, {"content", "secret-body-93ad"}});
  }
  proxy_->server().stop();
  serving_.join();
  const auto report = verify_audit_log(audit_log(), SecretKey::from_bytes(std::string(48, 'a')).value());
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, 3u);
  const std::string log = read_all(audit_log());
  EXPECT_EQ(log.find("secret-body-93ad"), std::string::npos);
  EXPECT_EQ(log.find("do-not-leak"), std::string::npos);
  EXPECT_EQ(log.find("hello nucleus"), std::string::npos);
}

TEST_F(ToolProxyTest, TokenUsageIsBudgeted) {
  set_policy(fix_issue_with("  budget:\n    max_input_tokens: 1000\n"));
  start();
  ProxyClient c = client();
  EXPECT_EQ(c.request("usage.report", {{"input_tokens", 900}, {"output_tokens", 10}})["status"], "ok");
  const json over = c.request("usage.report", {{"input_tokens", 200}});
  EXPECT_EQ(over["status"], "denied");
  EXPECT_NE(over["reason"].get<std::string>().find("max_input_tokens 1000"), std::string::npos);
  EXPECT_EQ(c.request("usage.report", {{"input_tokens", 100}})["status"], "ok");
  const json spent = c.call("read", {{"path", "README.md"}});
  EXPECT_EQ(spent["status"], "denied");
  EXPECT_EQ(spent["reason"], "max_input_tokens 1000 is spent");
}

TEST_F(ToolProxyTest, StartRejectsSharedKeysAndBadPodIds) {
  set_policy(kFixIssue);
  ProxyFlags flags = fixture_flags();
  flags.approver_key_file = (root_ / "audit.key").string();
  auto shared = start_proxy(flags);
  ASSERT_FALSE(shared.ok());
  EXPECT_NE(shared.error().find("same key"), std::string::npos) << shared.error();

  flags.approver_key_file = (root_ / "approver.key").string();
  for (const char* bad : {"", "Pod", "-x", "a/b", "a b"}) {
    flags.pod_id = bad;
    auto started = start_proxy(flags);
    ASSERT_FALSE(started.ok()) << bad;
    EXPECT_NE(started.error().find("not a valid pod id"), std::string::npos) << started.error();
  }
  EXPECT_FALSE(fs::exists(root_ / "proxy.sock"));
  EXPECT_FALSE(fs::exists(audit_log()));
}

TEST_F(ToolProxyTest, AdminMethodsRejectBadParams) {
  set_policy(kFixIssue);
  start();
  ProxyClient c = client();
  struct Case {
    const char* name;
    const char* method;
    json params;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {"DecideWithoutToken", "approvals.decide", {{"approval_id", "x"}}, "approvals.decide takes"},
      {"DecideTokenNotString", "approvals.decide", {{"approval_id", "x"}, {"token", 5}}, "approvals.decide takes"},
      {"DecideExtraKey", "approvals.decide", {{"approval_id", "x"}, {"token", "t"}, {"y", 1}}, "approvals.decide takes"},
      {"DecideUnknownId", "approvals.decide", {{"approval_id", "nope"}, {"token", "a.b"}}, "nope"},
      {"UsageNegative", "usage.report", {{"input_tokens", -1}}, "usage.report takes"},
      {"UsageUnknownKey", "usage.report", {{"cost", 1}}, "usage.report takes"},
      {"TightenEmpty", "policy.tighten", json::object(), "exactly one of"},
      {"TightenBoth", "policy.tighten", {{"profile", "demo"}, {"spec", ""}}, "exactly one of"},
      {"TightenUnknownProfile", "policy.tighten", {{"profile", "godmode"}}, "built-in profile"},
      {"TightenBadSpec", "policy.tighten", {{"spec", "kind: [unclosed"}}, "policy.tighten"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const json reply = c.request(k.method, k.params);
    EXPECT_EQ(reply["status"], "error") << reply.dump();
    EXPECT_NE(reply.dump().find(k.message_part), std::string::npos) << reply.dump();
  }
  // Nothing above changed the policy or charged the budget.
  const json status = c.request("status", json::object());
  EXPECT_EQ(status["result"]["policy"]["label"], "pod fixer (profile fix-issue)");
  EXPECT_EQ(status["result"]["budget_spent"]["input_tokens"], 0);
}

TEST_F(ToolProxyTest, SecondPolicyDocumentIsAnError) {
  set_policy(std::string(kFixIssue) + "---\n" + kFixIssue);
  auto started = start_proxy(fixture_flags());
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().find("more than one policy document"), std::string::npos) << started.error();
}

}  // namespace
}  // namespace nucleus::proxy::testing
