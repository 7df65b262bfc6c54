// The MCP session against a scripted backend: the handshake, method
// errors, the tool list, tool results, approval waits with progress and
// logging notifications, and cancellation.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

#include "fake_backend.h"
#include "mcp/session.h"

namespace nucleus::mcp {
namespace {

using nlohmann::json;
using testing::FakeBackend;

// Collects what the session sends; safe to read while a call waits.
class Outbox {
 public:
  Sender sender() {
    return [this](const json& message) {
      std::lock_guard lock(mutex_);
      messages_.push_back(message);
    };
  }
  std::vector<json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<json> with_method(const std::string& method) {
    std::vector<json> out;
    for (const json& m : messages()) {
      if (m.value("method", "") == method) out.push_back(m);
    }
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<json> messages_;
};

json request(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : session_(backend_, fast_options()) {}

  static SessionOptions fast_options() {
    SessionOptions options;
    options.pod_id = "p1";
    options.poll_interval = std::chrono::milliseconds(5);
    options.progress_interval = std::chrono::milliseconds(20);
    return options;
  }

  // Sends one message and returns the last thing the session sent.
  json send(const json& message) {
    Outbox outbox;
    session_.handle(classify_message(message), outbox.sender());
    const auto sent = outbox.messages();
    return sent.empty() ? json() : sent.back();
  }

  void initialize() {
    const json reply = send(request(0, "initialize", {{"protocolVersion", "2025-06-18"},
                                                      {"capabilities", json::object()},
                                                      {"clientInfo", {{"name", "test"}, {"version", "1"}}}}));
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
  }

  FakeBackend backend_;
  Session session_;
};

TEST_F(SessionTest, InitializeAnswersTheRequestedSupportedVersion) {
  for (const char* version : {"2025-06-18", "2025-03-26", "2024-11-05"}) {
    FakeBackend backend;
    Session session(backend, fast_options());
    Outbox outbox;
    session.handle(classify_message(request(1, "initialize", {{"protocolVersion", version}})), outbox.sender());
    const json reply = outbox.messages().at(0);
    EXPECT_EQ(reply["result"]["protocolVersion"], version);
    EXPECT_EQ(session.protocol_version(), version);
  }
}

TEST_F(SessionTest, InitializeOffersOwnVersion) {
  const json reply = send(request(1, "initialize", {{"protocolVersion", "2099-01-01"}}));
  EXPECT_EQ(reply["result"]["protocolVersion"], kProtocolVersion);
  EXPECT_EQ(reply["result"]["serverInfo"]["name"], "nucleus");
  EXPECT_TRUE(reply["result"]["capabilities"]["tools"].is_object());
  EXPECT_TRUE(reply["result"]["capabilities"]["logging"].is_object());
  EXPECT_NE(reply["result"]["instructions"].get<std::string>().find("p1"), std::string::npos);
}

TEST_F(SessionTest, InitializeNeedsAProtocolVersionAndHappensOnce) {
  EXPECT_EQ(send(request(1, "initialize"))["error"]["code"], kInvalidParams);
  EXPECT_EQ(send(request(2, "initialize", {{"protocolVersion", 7}}))["error"]["code"], kInvalidParams);
  EXPECT_FALSE(session_.initialized());
  initialize();
  EXPECT_EQ(send(request(3, "initialize", {{"protocolVersion", "2025-06-18"}}))["error"]["code"], kInvalidRequest);
}

TEST_F(SessionTest, OnlyPingWorksBeforeInitialize) {
  EXPECT_EQ(send(request(1, "ping"))["result"], json::object());
  const json listed = send(request(2, "tools/list"));
  EXPECT_EQ(listed["error"]["code"], kInvalidRequest);
  EXPECT_EQ(listed["id"], 2);
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(SessionTest, UnknownMethodsGetMethodNotFound) {
  initialize();
  const json reply = send(request(5, "resources/list"));
  EXPECT_EQ(reply["error"]["code"], kMethodNotFound);
  EXPECT_EQ(reply["id"], 5);
}

TEST_F(SessionTest, NotificationsAndResponsesGetNoAnswer) {
  initialize();
  EXPECT_TRUE(send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).is_null());
  EXPECT_TRUE(send({{"jsonrpc", "2.0"}, {"method", "notifications/whatever"}}).is_null());
  EXPECT_TRUE(send({{"jsonrpc", "2.0"}, {"id", 9}, {"result", json::object()}}).is_null());
}

TEST_F(SessionTest, InvalidMessagesGetTheirErrorResponse) {
  const json reply = send(json::array());
  EXPECT_EQ(reply["error"]["code"], kInvalidRequest);
}

TEST_F(SessionTest, ToolsListLeavesOutNeverAndExplainsApprovals) {
  initialize();
  const json reply = send(request(1, "tools/list"));
  std::vector<std::string> names;
  for (const json& tool : reply["result"]["tools"]) {
    names.push_back(tool["name"]);
    EXPECT_EQ(tool["inputSchema"]["type"], "object") << tool["name"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"read", "write", "edit", "glob", "grep", "run", "web_fetch",
                                             "git_commit", "git_push"}));
  auto description = [&](const std::string& name) {
    for (const json& tool : reply["result"]["tools"]) {
      if (tool["name"] == name) return tool["description"].get<std::string>();
    }
    return std::string();
  };
  EXPECT_NE(description("run").find("human approval"), std::string::npos);
  EXPECT_NE(description("run").find("leak"), std::string::npos);
  EXPECT_NE(description("edit").find("human approval"), std::string::npos);
  EXPECT_EQ(description("read").find("approval"), std::string::npos);
}

TEST_F(SessionTest, ToolsListFollowsAPolicyChange) {
  initialize();
  backend_.policy_json["capabilities"]["run_bash"] = "never";
  const json reply = send(request(1, "tools/list"));
  for (const json& tool : reply["result"]["tools"]) EXPECT_NE(tool["name"], "run");
}

TEST_F(SessionTest, ToolsListRejectsCursorsAndReportsBackendFailures) {
  initialize();
  EXPECT_EQ(send(request(1, "tools/list", {{"cursor", "x"}}))["error"]["code"], kInvalidParams);
  backend_.policy_fails = true;
  const json reply = send(request(2, "tools/list"));
  EXPECT_EQ(reply["error"]["code"], kInternalError);
  EXPECT_NE(reply["error"]["message"].get<std::string>().find("not running"), std::string::npos);
}

TEST_F(SessionTest, ToolsCallReturnsBothForms) {
  initialize();
  const json reply = send(request(1, "tools/call", {{"name", "read"}, {"arguments", {{"path", "a.txt"}}}}));
  const json& result = reply["result"];
  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["structuredContent"]["args"]["path"], "a.txt");
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(json::parse(result["content"][0]["text"].get<std::string>()), result["structuredContent"]);
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0].approval_id, "");
}

TEST_F(SessionTest, ToolsCallWithoutArgumentsSendsAnEmptyObject) {
  initialize();
  send(request(1, "tools/call", {{"name", "glob"}}));
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0].args, json::object());
}

TEST_F(SessionTest, DenialsAndToolErrorsBecomeIsErrorResults) {
  initialize();
  backend_.replies["write"] = {{"status", "denied"}, {"reason", "path .env is blocked"}};
  backend_.replies["grep"] = {{"status", "error"}, {"error", {{"kind", "invalid_argument"}, {"message", "bad RE2"}}}};
  const json denied = send(request(1, "tools/call", {{"name", "write"}, {"arguments", {{"path", ".env"}}}}));
  EXPECT_EQ(denied["result"]["isError"], true);
  EXPECT_NE(denied["result"]["content"][0]["text"].get<std::string>().find("path .env is blocked"), std::string::npos);
  const json failed = send(request(2, "tools/call", {{"name", "grep"}, {"arguments", {{"pattern", "("}}}}));
  EXPECT_EQ(failed["result"]["isError"], true);
  EXPECT_NE(failed["result"]["content"][0]["text"].get<std::string>().find("bad RE2"), std::string::npos);
}

struct BadCall {
  const char* name;
  json params;
  int code;
};

class BadToolCalls : public SessionTest, public ::testing::WithParamInterface<BadCall> {};

TEST_P(BadToolCalls, AreProtocolErrorsAndReachNoTool) {
  initialize();
  const json reply = send(request(4, "tools/call", GetParam().params));
  EXPECT_EQ(reply["error"]["code"], GetParam().code) << reply.dump();
  EXPECT_EQ(reply["id"], 4);
  EXPECT_TRUE(backend_.calls.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadToolCalls,
    ::testing::Values(BadCall{"no_name", json::object(), kInvalidParams},
                      BadCall{"numeric_name", {{"name", 3}}, kInvalidParams},
                      BadCall{"unknown_tool", {{"name", "rm_rf"}}, kInvalidParams},
                      BadCall{"proxy_method_name", {{"name", "approvals.decide"}}, kInvalidParams},
                      BadCall{"case_matters", {{"name", "Read"}}, kInvalidParams},
                      BadCall{"array_arguments", {{"name", "read"}, {"arguments", json::array()}}, kInvalidParams},
                      BadCall{"string_arguments", {{"name", "read"}, {"arguments", "path=a"}}, kInvalidParams}),
    [](const ::testing::TestParamInfo<BadCall>& info) { return std::string(info.param.name); });

TEST_F(SessionTest, ApprovalWaitReportsProgress) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(7, "tools/call", {{"name", "run"},
                                                               {"arguments", {{"command", "make test"}}},
                                                               {"_meta", {{"progressToken", "tok"}}}})),
                    outbox.sender());
  });
  while (outbox.with_method("notifications/progress").size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(outbox.with_method("notifications/message").size() == 1);
  EXPECT_TRUE(backend_.is_pending("a-run"));
  backend_.decide("a-run", true);
  done.get();

  const auto progress = outbox.with_method("notifications/progress");
  for (std::size_t i = 0; i < progress.size(); ++i) {
    EXPECT_EQ(progress[i]["params"]["progressToken"], "tok");
    EXPECT_EQ(progress[i]["params"]["progress"], static_cast<int>(i + 1));  // increases with every notification
  }
  const json waiting = outbox.with_method("notifications/message").at(0);
  EXPECT_EQ(waiting["params"]["data"]["approval_id"], "a-run");
  const json reply = outbox.messages().back();
  EXPECT_EQ(reply["id"], 7);
  EXPECT_EQ(reply["result"]["isError"], false);
  ASSERT_EQ(backend_.calls.size(), 2u);
  EXPECT_EQ(backend_.calls[1].approval_id, "a-run");
  EXPECT_EQ(backend_.calls[1].args, backend_.calls[0].args);
}

TEST_F(SessionTest, ADeniedApprovalIsAnIsErrorResult) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(8, "tools/call", {{"name", "run"}, {"arguments", {{"command", "ls"}}}})),
                    outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.decide("a-run", false);
  done.get();
  const json reply = outbox.messages().back();
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("denied"), std::string::npos);
  EXPECT_TRUE(outbox.with_method("notifications/progress").empty()) << "no progress token, no progress";
}

TEST_F(SessionTest, CancellingAWaitingCallSendsNoResponse) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}, {"arguments", {{"command", "ls"}}}})),
                    outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 9}, {"reason", "user"}}}});
  done.get();
  for (const json& message : outbox.messages()) EXPECT_FALSE(message.contains("id")) << message.dump();
  EXPECT_EQ(backend_.calls.size(), 1u) << "the approved call never ran";
}

TEST_F(SessionTest, CancellingWithdrawsThePendingApproval) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}})), outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 9}}}});
  done.get();
  EXPECT_EQ(backend_.withdrawn, std::vector<std::string>{"a-run"});
  EXPECT_FALSE(backend_.is_pending("a-run"));
}

TEST_F(SessionTest, DepartedClientWithdraws) {
  initialize();
  std::atomic<bool> alive{true};
  CallContext context;
  context.client_alive = [&] { return alive.load(); };
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}})), outbox.sender(), context);
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  alive = false;
  done.get();
  for (const json& message : outbox.messages()) EXPECT_FALSE(message.contains("id"));
  EXPECT_EQ(backend_.withdrawn, std::vector<std::string>{"a-run"});
  EXPECT_EQ(backend_.calls.size(), 1u);
}

TEST_F(SessionTest, ApprovedCallSkippedAfterDeparture) {
  initialize();
  std::atomic<int> checks{0};
  CallContext context;
  // Alive for the checks during the wait, gone for the one before the run.
  context.client_alive = [&] { return ++checks < 3; };
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}})), outbox.sender(), context);
  });
  while (checks < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.decide("a-run", true);
  done.get();
  EXPECT_EQ(backend_.calls.size(), 1u) << "the approved call never ran";
  for (const json& message : outbox.messages()) EXPECT_FALSE(message.contains("id"));
}

TEST_F(SessionTest, NoWaitTransportWithdraws) {
  initialize();
  Outbox outbox;
  session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}})), outbox.sender(),
                  CallContext{.can_wait = false, .client_alive = {}, .acquire_wait_slot = {}});
  const json reply = outbox.messages().back();
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(backend_.withdrawn, std::vector<std::string>{"a-run"});
}

TEST_F(SessionTest, NoWaitSlotWithdraws) {
  initialize();
  CallContext context;
  context.acquire_wait_slot = [] { return std::shared_ptr<void>(); };
  Outbox outbox;
  session_.handle(classify_message(request(9, "tools/call", {{"name", "run"}})), outbox.sender(), context);
  const json reply = outbox.messages().back();
  EXPECT_EQ(reply["result"]["isError"], true);
  EXPECT_NE(reply["result"]["content"][0]["text"].get<std::string>().find("too_many_waiting_calls"), std::string::npos);
  EXPECT_EQ(backend_.withdrawn, std::vector<std::string>{"a-run"});
  // A call that does not wait needs no slot.
  session_.handle(classify_message(request(10, "tools/call", {{"name", "read"}})), outbox.sender(), context);
  EXPECT_EQ(outbox.messages().back()["result"]["isError"], false);
}

TEST_F(SessionTest, CancellingAnotherIdLeavesTheCallWaiting) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(10, "tools/call", {{"name", "run"}, {"arguments", json::object()}})),
                    outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", "10"}}}});
  const int checks = backend_.pending_checks;
  while (backend_.pending_checks < checks + 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.decide("a-run", true);
  done.get();
  EXPECT_EQ(outbox.messages().back()["id"], 10);
}

TEST_F(SessionTest, CancelAllStopsEveryWait) {
  initialize();
  Outbox outbox;
  auto first = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(11, "tools/call", {{"name", "run"}})), outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  session_.cancel_all();
  first.get();
  for (const json& message : outbox.messages()) EXPECT_FALSE(message.contains("id"));
}

TEST_F(SessionTest, LoggingSetLevelFiltersNotifications) {
  initialize();
  EXPECT_EQ(send(request(1, "logging/setLevel", {{"level", "loud"}}))["error"]["code"], kInvalidParams);
  EXPECT_EQ(send(request(2, "logging/setLevel", {{"level", "error"}}))["result"], json::object());
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(3, "tools/call", {{"name", "run"}})), outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  backend_.decide("a-run", true);
  done.get();
  EXPECT_TRUE(outbox.with_method("notifications/message").empty());
}

TEST_F(SessionTest, ASecondCallWithARunningIdIsRefused) {
  initialize();
  Outbox outbox;
  auto done = std::async(std::launch::async, [&] {
    session_.handle(classify_message(request(12, "tools/call", {{"name", "run"}})), outbox.sender());
  });
  while (!backend_.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(send(request(12, "tools/call", {{"name", "read"}}))["error"]["code"], kInvalidRequest);
  backend_.decide("a-run", true);
  done.get();
}

TEST(CallToolResult, MapsEveryReplyShape) {
  EXPECT_EQ(call_tool_result({{"status", "ok"}, {"result", {{"a", 1}}}})["isError"], false);
  EXPECT_EQ(call_tool_result({{"status", "denied"}, {"reason", "no"}})["isError"], true);
  EXPECT_EQ(call_tool_result({{"status", "approval_required"}, {"approval_id", "x"}})["isError"], true);
  EXPECT_EQ(call_tool_result({{"status", "error"}})["isError"], true);
  EXPECT_EQ(call_tool_result(json::object())["isError"], true);
  EXPECT_FALSE(call_tool_result({{"status", "ok"}, {"result", "text"}}).contains("structuredContent"));
}

TEST(ProxyReplyFromHttp, KeepsProxyRepliesAndWrapsNodeErrors) {
  const json denied = {{"status", "denied"}, {"reason", "r"}};
  EXPECT_EQ(proxy_reply_from_http(403, denied), denied);
  const json wrapped = proxy_reply_from_http(409, {{"error", {{"code", "pod_not_running"}, {"message", "m"}}}});
  EXPECT_EQ(wrapped["status"], "error");
  EXPECT_EQ(wrapped["error"]["kind"], "pod_not_running");
  EXPECT_EQ(wrapped["error"]["message"], "m");
  EXPECT_EQ(proxy_reply_from_http(502, "x")["status"], "error");
  EXPECT_EQ(proxy_reply_from_http(500, {{"error", {{"code", 5}, {"message", json::array()}}}})["status"], "error");
}

}  // namespace
}  // namespace nucleus::mcp
