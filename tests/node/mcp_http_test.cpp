// The node's streamable HTTP MCP endpoint at the HTTP level, with curl:
// sessions, headers, status codes, Origin checks, tokens and an approval
// wait streamed as server-sent events.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "child_process.h"
#include "node_fixture.h"

namespace nucleus::node::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kMcpHeaders = {"Content-Type: application/json",
                                              "Accept: application/json, text/event-stream"};

std::string initialize_body() {
  return json{{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "initialize"},
              {"params", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object()},
                          {"clientInfo", {{"name", "curl"}, {"version", "1"}}}}}}
      .dump();
}

std::string header_value(const std::string& head, const std::string& name) {
  const std::regex pattern("(^|\\n)" + name + ":\\s*([^\\r\\n]*)", std::regex::icase);
  std::smatch match;
  return std::regex_search(head, match, pattern) ? match[2].str() : "";
}

class McpHttpTest : public NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    if (IsSkipped()) return;
    start_node();
    pod_ = create_pod(local_pod_yaml("mcp-http", "  profile: fix-issue\n"));
    wait_for_phase(pod_, "running");
  }

  std::string path() const { return "/v1/pods/" + pod_ + "/mcp"; }

  HttpResult post(const std::string& body, std::vector<std::string> extra = {}, std::string* head = nullptr,
                  const std::string& token = "") {
    std::vector<std::string> headers = kMcpHeaders;
    headers.insert(headers.end(), extra.begin(), extra.end());
    return request_with_headers("POST", path(), token.empty() ? agent_token() : token, body, headers, head);
  }

  std::string open_session() {
    std::string head;
    const HttpResult opened = post(initialize_body(), {}, &head);
    EXPECT_EQ(opened.status, 200) << opened.body;
    EXPECT_EQ(opened.json()["result"]["protocolVersion"], "2025-06-18");
    const std::string session = header_value(head, "Mcp-Session-Id");
    EXPECT_EQ(session.size(), 32u) << head;
    return session;
  }

  std::string pod_;
};

TEST_F(McpHttpTest, ASessionListsToolsAndAnswersPing) {
  const std::string session = open_session();
  const std::vector<std::string> headers = {"Mcp-Session-Id: " + session, "MCP-Protocol-Version: 2025-06-18"};
  EXPECT_EQ(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", headers).status, 202);
  const HttpResult listed = post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", headers);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["result"]["tools"].size(), 11u);
  const HttpResult ping = post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})", headers);
  EXPECT_EQ(ping.json()["id"], 3);
}

TEST_F(McpHttpTest, SessionHeadersAreRequiredAndChecked) {
  const std::string list = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
  EXPECT_EQ(post(list).status, 400);
  EXPECT_EQ(post(list, {"Mcp-Session-Id: 00000000000000000000000000000000"}).status, 404);
  const std::string session = open_session();
  EXPECT_EQ(post(list, {"Mcp-Session-Id: " + session, "MCP-Protocol-Version: 1999-01-01"}).status, 400);
  EXPECT_EQ(post(list, {"Mcp-Session-Id: " + session, "MCP-Protocol-Version: 2025-03-26"}).status, 200);

  // A session belongs to its pod.
  const std::string other = create_pod(local_pod_yaml("mcp-other"));
  wait_for_phase(other, "running");
  const HttpResult crossed = request_with_headers("POST", "/v1/pods/" + other + "/mcp", agent_token(), list,
                                                  {"Content-Type: application/json", "Mcp-Session-Id: " + session});
  EXPECT_EQ(crossed.status, 404);
}

TEST_F(McpHttpTest, MalformedMessagesGetJsonRpcErrors) {
  const HttpResult garbage = post("{nope");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.json()["error"]["code"], -32700);
  const HttpResult batch = post("[]");
  EXPECT_EQ(batch.json()["error"]["code"], -32600);
  const std::string session = open_session();
  const HttpResult unknown = post(R"({"jsonrpc":"2.0","id":9,"method":"sampling/createMessage"})",
                                  {"Mcp-Session-Id: " + session});
  EXPECT_EQ(unknown.json()["error"]["code"], -32601);
  const HttpResult bad_init = post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
  EXPECT_EQ(bad_init.status, 400);
  EXPECT_EQ(bad_init.json()["error"]["code"], -32602);
}

TEST_F(McpHttpTest, TokensOriginsAndMethodsAreEnforced) {
  EXPECT_EQ(request_with_headers("POST", path(), "", initialize_body(), kMcpHeaders).status, 401);
  EXPECT_EQ(post(initialize_body(), {}, nullptr, approver_token()).status, 403);
  EXPECT_EQ(post(initialize_body(), {"Origin: https://attacker.example"}).status, 403);
  EXPECT_EQ(post(initialize_body(), {"Origin: http://localhost:3000"}).status, 200);
  std::string head;
  EXPECT_EQ(request_with_headers("GET", path(), agent_token(), "", {}, &head).status, 405);
  EXPECT_EQ(header_value(head, "Allow"), "POST, DELETE");
  EXPECT_EQ(request_with_headers("POST", "/v1/pods/pod-missing/mcp", agent_token(), initialize_body(), kMcpHeaders)
                .status,
            404);
}

TEST_F(McpHttpTest, PodTokenOpensOnlyItsOwnPod) {
  const HttpResult created =
      request_text("POST", "/v1/pods", agent_token(), local_pod_yaml("scoped"), "application/yaml");
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json()["id"];
  const std::string token = created.json()["pod_token"];
  ASSERT_EQ(token.size(), 64u);
  wait_for_phase(id, "running");
  const std::string own = "/v1/pods/" + id;

  // Its own pod: status, tools, the approval list and MCP.
  EXPECT_EQ(request("GET", own, token).status, 200);
  EXPECT_EQ(request_text("POST", own + "/tools/glob", token, R"({"pattern":"*"})").status, 200);
  EXPECT_EQ(request("GET", own + "/approvals", token).status, 200);
  EXPECT_EQ(request_with_headers("POST", own + "/mcp", token, initialize_body(), kMcpHeaders).status, 200);

  // Nothing else.
  const std::string other = "/v1/pods/" + pod_;
  struct Denied {
    std::string method, path, body;
  };
  for (const Denied& d : std::vector<Denied>{{"GET", "/v1/pods", ""},
                                             {"POST", "/v1/pods", local_pod_yaml("escape")},
                                             {"GET", other, ""},
                                             {"POST", other + "/tools/glob", R"({"pattern":"*"})"},
                                             {"POST", other + "/mcp", initialize_body()},
                                             {"DELETE", own, ""},
                                             {"POST", own + "/cancel", ""},
                                             {"GET", own + "/audit", ""},
                                             {"GET", own + "/logs", ""},
                                             {"GET", own + "/workspace", ""},
                                             {"POST", own + "/approvals/abc", R"({"decision":"approve"})"},
                                             {"GET", "/metrics", ""}}) {
    const HttpResult result = request_text(d.method, d.path, token, d.body);
    EXPECT_EQ(result.status, 403) << d.method << " " << d.path << ": " << result.body;
    EXPECT_EQ(result.json()["error"]["code"], "pod_token_scope") << d.method << " " << d.path;
  }

  // Routes that need no token work with any token.
  EXPECT_EQ(request("GET", "/v1/health", token).status, 200);

  // Deleting the pod revokes its token.
  EXPECT_EQ(request("DELETE", own, agent_token()).status, 200);
  EXPECT_EQ(request("GET", own, token).status, 401);
}

TEST_F(McpHttpTest, InitializeNeedsARunningPod) {
  ASSERT_EQ(request("POST", "/v1/pods/" + pod_ + "/cancel", agent_token()).status, 200);
  const HttpResult refused = post(initialize_body());
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("not running"), std::string::npos);
}

TEST_F(McpHttpTest, DeleteClosesTheSession) {
  const std::string session = open_session();
  EXPECT_EQ(request_with_headers("DELETE", path(), agent_token(), "", {"Mcp-Session-Id: " + session}).status, 204);
  EXPECT_EQ(request_with_headers("DELETE", path(), agent_token(), "", {"Mcp-Session-Id: " + session}).status, 404);
  EXPECT_EQ(post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", {"Mcp-Session-Id: " + session}).status, 404);
  EXPECT_EQ(request_with_headers("DELETE", path(), agent_token(), "", {}).status, 400);
}

TEST_F(McpHttpTest, AWaitingCallStreamsNotificationsUntilApproved) {
  const std::string session = open_session();
  auto approver = std::async(std::launch::async, [&] {
    for (int i = 0; i < 300; ++i) {
      const json listed = request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json();
      if (listed.is_object() && !listed["approvals"].empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        const std::string id = listed["approvals"][0]["approval_id"];
        return request_text("POST", "/v1/pods/" + pod_ + "/approvals/" + id, approver_token(),
                            R"({"decision":"approve"})")
            .status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  });
  std::string head;
  const HttpResult streamed = post(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"run","arguments":{"command":"echo streamed"},"_meta":{"progressToken":"t"}}})",
      {"Mcp-Session-Id: " + session}, &head);
  EXPECT_EQ(approver.get(), 200);
  ASSERT_EQ(streamed.status, 200);
  EXPECT_NE(header_value(head, "Content-Type").find("text/event-stream"), std::string::npos);
  std::vector<json> events;
  std::smatch match;
  std::string rest = streamed.body;
  const std::regex data("data: ([^\\n]*)\\n");
  while (std::regex_search(rest, match, data)) {
    events.push_back(json::parse(match[1].str()));
    rest = match.suffix();
  }
  ASSERT_GE(events.size(), 3u) << streamed.body;
  EXPECT_EQ(events.front()["method"], "notifications/message");
  int progress = 0;
  for (const json& event : events) progress += event.value("method", "") == "notifications/progress" ? 1 : 0;
  EXPECT_GE(progress, 1);
  EXPECT_EQ(events.back()["id"], 5);
  EXPECT_EQ(events.back()["result"]["isError"], false);
  EXPECT_NE(events.back()["result"]["content"][0]["text"].get<std::string>().find("streamed"), std::string::npos);

  // Without text/event-stream in Accept, a call that needs approval cannot
  // wait: it is an isError result, and its approval is withdrawn.
  const HttpResult unwaitable = request_with_headers(
      "POST", path(), agent_token(),
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"run","arguments":{"command":"echo no"}}})",
      {"Content-Type: application/json", "Accept: application/json", "Mcp-Session-Id: " + session});
  EXPECT_EQ(unwaitable.json()["result"]["isError"], true) << unwaitable.body;
  EXPECT_TRUE(request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json()["approvals"].empty());

  // Other calls get one JSON reply.
  const HttpResult plain = request_with_headers(
      "POST", path(), agent_token(),
      R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"read","arguments":{"path":"/etc/passwd"}}})",
      {"Content-Type: application/json", "Accept: application/json", "Mcp-Session-Id: " + session});
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.json()["result"]["isError"], true);
}

TEST_F(McpHttpTest, AClientThatDisconnectsLosesItsWaitingCall) {
  const std::string session = open_session();
  // curl gives up after 2 s, while the call waits; no progress token.
  const std::string command =
      "curl -s --max-time 2 -o /dev/null -X POST " + url(path()) + " -H 'Authorization: Bearer " + agent_token() +
      "' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H 'Mcp-Session-Id: " +
      session + "' --data-binary '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
      "\"run\",\"arguments\":{\"command\":\"touch /workspace/ran-for-nobody\"}}}'";
  EXPECT_NE(std::system(command.c_str()), 0) << "curl should time out while the call waits";
  json approvals = json::array({1});
  for (int i = 0; i < 100 && !approvals.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    approvals = request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json()["approvals"];
  }
  EXPECT_TRUE(approvals.empty()) << "the approval was not withdrawn: " << approvals.dump();
  const std::string audit = request("GET", "/v1/pods/" + pod_ + "/audit", agent_token()).body;
  EXPECT_NE(audit.find("approval_withdrawn"), std::string::npos);
  const HttpResult listed = call(pod_, "glob", {{"pattern", "ran-for-nobody"}});
  EXPECT_TRUE(listed.json()["result"]["matches"].empty()) << listed.body;
}

TEST_F(McpHttpTest, StdioEndOfInputWithdrawsTheApproval) {
  const fs::path input = scratch_ / "stdin.jsonl";
  std::ofstream(input) << json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                               {"params", {{"protocolVersion", "2025-06-18"}}}}.dump()
                       << "\n"
                       << json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"},
                               {"params", {{"name", "run"}, {"arguments", {{"command", "echo gone"}}}}}}.dump()
                       << "\n";
  ChildProcess mcp({NUCLEUS_CLI_BINARY, "mcp", "--pod", pod_, "--node", url("")},
                   {{"NUCLEUS_NODE_TOKEN", agent_token()}}, scratch_.string(), "", input.string());
  const ChildResult result = mcp.wait(std::chrono::seconds(30));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("\"id\":1"), std::string::npos) << "a cancelled call gets no response";
  EXPECT_TRUE(request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json()["approvals"].empty());
  EXPECT_NE(request("GET", "/v1/pods/" + pod_ + "/audit", agent_token()).body.find("approval_withdrawn"),
            std::string::npos);
}

TEST_F(McpHttpTest, StdioServerRejectsBadPods) {
  const std::map<std::string, std::string> env = {{"NUCLEUS_NODE_TOKEN", agent_token()}};
  ChildProcess missing({NUCLEUS_CLI_BINARY, "mcp", "--pod", "pod-000000000000", "--node", url("")}, env,
                       scratch_.string());
  const ChildResult unknown = missing.wait(std::chrono::seconds(30));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("cannot serve MCP for pod pod-000000000000"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty()) << "nothing but MCP messages may reach stdout";

  ChildProcess no_pod({NUCLEUS_CLI_BINARY, "mcp", "--node", url("")}, env, scratch_.string());
  const ChildResult usage = no_pod.wait(std::chrono::seconds(30));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--pod is required"), std::string::npos) << usage.err;

  ChildProcess bad_token({NUCLEUS_CLI_BINARY, "mcp", "--pod", pod_, "--node", url("")},
                         {{"NUCLEUS_NODE_TOKEN", "not-a-token"}}, scratch_.string());
  const ChildResult rejected = bad_token.wait(std::chrono::seconds(30));
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_NE(rejected.err.find("401"), std::string::npos) << rejected.err;
}

TEST_F(McpHttpTest, WithdrawRouteChecksItsInput) {
  const HttpResult waiting = call(pod_, "run", {{"command", "echo x"}}, "?wait=false");
  ASSERT_EQ(waiting.status, 202) << waiting.body;
  const std::string id = waiting.json()["approval_id"];
  const std::string route = "/v1/pods/" + pod_ + "/approvals/" + id + "/withdraw";
  EXPECT_EQ(request("POST", route, approver_token()).status, 403);
  const HttpResult withdrawn = request("POST", route, agent_token());
  EXPECT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_EQ(withdrawn.json()["decision"], "withdrawn");
  EXPECT_EQ(request("POST", route, agent_token()).json()["error"]["code"], "approval_not_pending");
  EXPECT_EQ(request("POST", "/v1/pods/" + pod_ + "/approvals/nope/withdraw", agent_token()).status, 404);
  // A withdrawn approval cannot be granted any more.
  EXPECT_NE(request_text("POST", "/v1/pods/" + pod_ + "/approvals/" + id, approver_token(), R"({"decision":"approve"})")
                .status,
            200);
}

TEST_F(McpHttpTest, WaitingCallsCannotTakeEveryWorkerThread) {
  const std::string session = open_session();
  auto mcp_call = [&](int id) {
    const json body = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
                       {"params", {{"name", "run"}, {"arguments", {{"command", "echo " + std::to_string(id)}}}}}};
    return post(body.dump(), {"Mcp-Session-Id: " + session});
  };
  std::vector<std::future<HttpResult>> waiting;
  for (int id = 0; id < 16; ++id) waiting.push_back(std::async(std::launch::async, mcp_call, id));
  json approvals;
  for (int i = 0; i < 300; ++i) {
    approvals = request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json()["approvals"];
    if (approvals.size() == 16) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(approvals.size(), 16u);

  // A 17th call that would wait is refused at once, and its approval withdrawn.
  const HttpResult refused = mcp_call(99);
  EXPECT_NE(refused.body.find("\"isError\":true"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("too_many_waiting_calls"), std::string::npos) << refused.body;
  const HttpResult blocked = NodeFixture::call(pod_, "run", {{"command", "echo blocked"}});
  EXPECT_EQ(blocked.status, 503) << blocked.body;
  EXPECT_EQ(blocked.json()["error"]["code"], "too_many_waiting_calls");
  EXPECT_EQ(request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json()["approvals"].size(), 16u);
  // Calls that do not wait are not limited.
  EXPECT_EQ(NodeFixture::call(pod_, "glob", {{"pattern", "*"}}).status, 200);
  EXPECT_NE(post(R"({"jsonrpc":"2.0","id":100,"method":"tools/call","params":{"name":"glob","arguments":{"pattern":"*"}}})",
                 {"Mcp-Session-Id: " + session})
                .body.find("\"isError\":false"),
            std::string::npos);

  // The approver still gets through, and every waiting call then finishes.
  for (const json& approval : approvals) {
    const std::string id = approval["approval_id"];
    EXPECT_EQ(request_text("POST", "/v1/pods/" + pod_ + "/approvals/" + id, approver_token(),
                           R"({"decision":"approve"})")
                  .status,
              200);
  }
  for (auto& result : waiting) {
    const HttpResult done = result.get();
    EXPECT_NE(done.body.find("\"isError\":false"), std::string::npos) << done.body;
  }
}

}  // namespace
}  // namespace nucleus::node::testing
