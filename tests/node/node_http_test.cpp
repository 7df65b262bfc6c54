// End-to-end tests of the nucleus-node binary: real sandboxes, real HTTP.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "node_fixture.h"

namespace nucleus::node::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class NodeHttp : public NodeFixture {};

TEST_F(NodeHttp, QuickstartPodServesWorkspace) {
  start_node();
  // As the quickstart's curl sends it, plus the bearer token.
  const std::string example = std::string(NUCLEUS_SOURCE_DIR) + "/examples/sandbox.yaml";
  const HttpResult created = request("POST", "/v1/pods", agent_token(), example, "application/yaml");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["id"];
  EXPECT_EQ(created.json()["name"], "code-review-agent");
  EXPECT_EQ(created.json()["phase"], "pending");
  const json status = wait_for_phase(id, "running");
  EXPECT_EQ(status["profile"], "code-review");
  EXPECT_EQ(status["capabilities"]["write_files"], "never");
  EXPECT_FALSE(status["deadline"].is_null());

  const std::string archive = make_tar({{"src/main.rs", "fn main() {}\n"}, {"README.md", "hello\n"}});
  const HttpResult uploaded = request("PUT", "/v1/pods/" + id + "/workspace", agent_token(), archive, "application/x-tar");
  ASSERT_EQ(uploaded.status, 200) << uploaded.body;
  EXPECT_GE(uploaded.json()["entries"].get<int>(), 3);

  const HttpResult read = call(id, "read", {{"path", "src/main.rs"}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["result"]["content"], "fn main() {}\n");
  const HttpResult glob = call(id, "glob", {{"pattern", "**/*.rs"}});
  ASSERT_EQ(glob.status, 200) << glob.body;
  EXPECT_NE(glob.body.find("/workspace/src/main.rs"), std::string::npos) << glob.body;

  const HttpResult write = call(id, "write", {{"path", "src/main.rs"}, {"content", "x"}});
  ASSERT_EQ(write.status, 403) << write.body;
  EXPECT_EQ(write.json()["status"], "denied");
  EXPECT_NE(write.json()["reason"].get<std::string>().find("write_files is never"), std::string::npos) << write.body;
  const HttpResult unknown = call(id, "format_disk", json::object());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], "unknown_tool");
  const HttpResult bad_args = call(id, "read", json::object());
  EXPECT_EQ(bad_args.status, 400) << bad_args.body;

  const HttpResult downloaded = request("GET", "/v1/pods/" + id + "/workspace", agent_token());
  ASSERT_EQ(downloaded.status, 200);
  EXPECT_NE(downloaded.body.find("fn main() {}"), std::string::npos);
  const HttpResult audit = request("GET", "/v1/pods/" + id + "/audit", agent_token());
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("\"write_files\""), std::string::npos);
  const HttpResult verified = request("GET", "/v1/pods/" + id + "/audit/verify", agent_token());
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.json()["ok"], true) << verified.body;
  EXPECT_EQ(verified.json()["signatures_checked"], true);
  EXPECT_GT(verified.json()["records"].get<int>(), 0) << verified.body;
  const HttpResult logs = request("GET", "/v1/pods/" + id + "/logs", agent_token());
  ASSERT_EQ(logs.status, 200);
  EXPECT_NE(logs.body.find("event=listening"), std::string::npos) << logs.body;
  const HttpResult metrics = request("GET", "/metrics", agent_token());
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("nucleus_tool_calls_total{tool=\"write\",decision=\"deny\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("nucleus_pods{phase=\"running\"} 1"), std::string::npos);

  const HttpResult deleted = request("DELETE", "/v1/pods/" + id, agent_token());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json()["deleted"], true);
  EXPECT_FALSE(fs::exists(state_dir_ / "pods" / id / "sandbox"));
  EXPECT_FALSE(fs::exists(state_dir_ / "pods" / id));
  EXPECT_EQ(request("GET", "/v1/pods/" + id, agent_token()).status, 404);
}

TEST_F(NodeHttp, RequestErrors) {
  start_node({"--max-pods", "1", "--max-workspace-bytes", "4096"});
  EXPECT_EQ(request("GET", "/v1/health", "").status, 200);
  const HttpResult anonymous = request("GET", "/v1/pods", "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()["error"]["code"], "unauthorized");
  EXPECT_NE(anonymous.body.find("tokens/agent"), std::string::npos);
  EXPECT_EQ(request("GET", "/v1/pods", "not-the-token").status, 401);
  EXPECT_EQ(request("GET", "/metrics", "").status, 401);

  const HttpResult missing = request("GET", "/v1/pods/pod-000000000000", agent_token());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "pod_not_found");

  const HttpResult invalid = request_text("POST", "/v1/pods", agent_token(), "kind: [unclosed\n", "application/yaml");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.json()["error"]["message"].get<std::string>().find("request:2:1:"), std::string::npos)
      << invalid.body;
  const HttpResult daemonset = request("POST", "/v1/pods", agent_token(),
                                       std::string(NUCLEUS_SOURCE_DIR) + "/examples/nucleus-node-daemonset.yaml",
                                       "application/yaml");
  EXPECT_EQ(daemonset.status, 400);
  EXPECT_NE(daemonset.body.find("DaemonSet"), std::string::npos);
  const HttpResult oversize =
      request_text("POST", "/v1/pods", agent_token(), std::string((1 << 20) + 10, '#'), "application/yaml");
  EXPECT_EQ(oversize.status, 413);
  const HttpResult plain = request_text("POST", "/v1/pods", agent_token(), local_pod_yaml("p"), "text/plain");
  EXPECT_EQ(plain.status, 415);
  EXPECT_EQ(request_text("POST", "/v1/pods", approver_token(), local_pod_yaml("p"), "application/yaml").status, 403);

  const std::string id = create_pod(local_pod_yaml("only-one"));
  const HttpResult second = request_text("POST", "/v1/pods", agent_token(), local_pod_yaml("second"), "application/yaml");
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.json()["error"]["code"], "pod_limit_reached");
  wait_for_phase(id, "running");

  const HttpResult big_tar = request_text("PUT", "/v1/pods/" + id + "/workspace", agent_token(),
                                          std::string(8192, 'x'), "application/x-tar");
  EXPECT_EQ(big_tar.status, 413);
  EXPECT_EQ(request_text("PUT", "/v1/pods/" + id + "/workspace", agent_token(), "x", "text/plain").status, 415);
  const HttpResult decide = request_text("POST", "/v1/pods/" + id + "/approvals/ap-1", agent_token(),
                                         R"({"decision": "approve"})");
  EXPECT_EQ(decide.status, 403);
  EXPECT_EQ(decide.json()["error"]["code"], "approver_token_required");
  EXPECT_EQ(request_text("POST", "/v1/pods/" + id + "/approvals/ap-1", approver_token(), R"({"decision": "approve"})")
                .status,
            404);
  // The node still serves after all of the above.
  EXPECT_EQ(request("GET", "/v1/pods/" + id, approver_token()).status, 200);
}

TEST_F(NodeHttp, DeadlineAndCancel) {
  start_node();
  const std::string short_lived = create_pod(local_pod_yaml("short", "  timeout_seconds: 2\n"));
  const std::string cancelled = create_pod(local_pod_yaml("cancelled"));
  wait_for_phase(cancelled, "running");
  // A following log request ends once the pod no longer runs.
  HttpResult followed;
  std::thread follower([&] { followed = request("GET", "/v1/pods/" + cancelled + "/logs?follow=true", agent_token()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const HttpResult cancel = request("POST", "/v1/pods/" + cancelled + "/cancel", agent_token());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(cancel.json()["phase"], "terminated");
  EXPECT_EQ(cancel.json()["reason"], "cancelled");
  EXPECT_EQ(call(cancelled, "read", {{"path", "a"}}).status, 409);
  follower.join();
  EXPECT_EQ(followed.status, 200);
  EXPECT_NE(followed.body.find("event=listening"), std::string::npos) << followed.body;

  const json ended = wait_for_phase(short_lived, "terminated", std::chrono::seconds(20));
  EXPECT_NE(ended.value("reason", "").find("deadline"), std::string::npos) << ended.dump();
}

TEST_F(NodeHttp, GitPushAfterApproval) {
  start_node({"--allow-file-remotes"});
  const std::string id = create_pod(
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: fix-issue-agent\nspec:\n  profile: fix-issue\n"
      "  resources:\n    disk_mib: 32\n");
  wait_for_phase(id, "running");

  // A work tree with one commit and a bare repository beside it, both in
  // the workspace, built on the host and uploaded as one archive.
  const fs::path tree = scratch_ / "repo";
  fs::create_directories(tree);
  std::ofstream(tree / "fix.txt") << "fixed\n";
  const std::string git = "git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main ";
  const std::string setup = "cd " + tree.string() + " && " + git + "init -q . && " + git + "add fix.txt && " + git +
                            "commit -q -m fix && " + git + "init -q --bare remote.git";
  ASSERT_EQ(std::system(setup.c_str()), 0);
  const std::string archive = (scratch_ / "repo.tar").string();
  ASSERT_EQ(std::system(("tar -c -f " + archive + " -C " + tree.string() + " .").c_str()), 0);
  ASSERT_EQ(request("PUT", "/v1/pods/" + id + "/workspace", agent_token(), archive, "application/x-tar").status, 200);

  // git_push runs as the sandbox's uid 0, and git refuses a local remote
  // owned by another user, so the remote is handed to that user (the owner
  // of the workspace is the agent user, uid 0 + 1000).
  const fs::path workspace = state_dir_ / "pods" / id / "sandbox" / "workspace";
  struct stat info {};
  ASSERT_EQ(::stat(workspace.c_str(), &info), 0);
  const std::string chown = "chown -R " + std::to_string(info.st_uid - 1000) + ":" + std::to_string(info.st_gid - 1000) +
                            " " + (workspace / "remote.git").string();
  ASSERT_EQ(std::system(chown.c_str()), 0);

  const json args = {{"remote", "/workspace/remote.git"}, {"branch", "main"}};
  const HttpResult pending = call(id, "git_push", args, "?wait=false");
  ASSERT_EQ(pending.status, 202) << pending.body;
  const std::string approval_id = pending.json()["approval_id"];

  const HttpResult listed = request("GET", "/v1/pods/" + id + "/approvals", approver_token());
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["approvals"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json()["approvals"][0]["tool"], "git_push");
  EXPECT_EQ(listed.json()["approvals"][0]["args"], args);

  const HttpResult by_agent = request_text("POST", "/v1/pods/" + id + "/approvals/" + approval_id, agent_token(),
                                           R"({"decision": "approve"})");
  EXPECT_EQ(by_agent.status, 403);
  const HttpResult approved = request_text("POST", "/v1/pods/" + id + "/approvals/" + approval_id, approver_token(),
                                           R"({"decision": "approve"})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json()["decision"], "approve");

  const HttpResult pushed = call(id, "git_push", args, "?approval_id=" + approval_id);
  ASSERT_EQ(pushed.status, 200) << pushed.body;
  EXPECT_EQ(pushed.json()["result"]["pushed"], true) << pushed.body;
}

TEST_F(NodeHttp, SlowClientIsDisconnected) {
  start_node();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string partial = "POST /v1/pods HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), static_cast<ssize_t>(partial.size()));
  // The node runs with --read-timeout 2: it gives up on the body and closes.
  pollfd entry{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 6000), 1);
  char buffer[4096];
  while (::read(fd, buffer, sizeof(buffer)) > 0) {
  }
  ::close(fd);
  EXPECT_EQ(request("GET", "/v1/health", "").status, 200);
}

TEST_F(NodeHttp, ServesTls) {
  const std::string key = (scratch_ / "key.pem").string();
  const std::string cert = (scratch_ / "cert.pem").string();
  const std::string generate = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                               " -days 1 -subj /CN=127.0.0.1 2>/dev/null";
  ASSERT_EQ(std::system(generate.c_str()), 0);
  scheme_ = "https";
  start_node({"--tls-cert", cert, "--tls-key", key});
  const HttpResult health = request("GET", "/v1/health", "");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["driver"], "namespace");
  EXPECT_EQ(request("GET", "/v1/pods", agent_token()).status, 200);
}

TEST_F(NodeHttp, RestartAdoptsRunningPod) {
  start_node();
  const HttpResult created =
      request_text("POST", "/v1/pods", agent_token(), local_pod_yaml("survivor"), "application/yaml");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["id"];
  const std::string pod_token = created.json()["pod_token"];
  wait_for_phase(id, "running");
  const std::string archive = make_tar({{"kept.txt", "still here\n"}});
  ASSERT_EQ(request("PUT", "/v1/pods/" + id + "/workspace", agent_token(), archive, "application/x-tar").status, 200);

  stop_node(SIGKILL);
  start_node();
  const HttpResult listed = request("GET", "/v1/pods", agent_token());
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json()["pods"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json()["pods"][0]["id"], id);
  EXPECT_EQ(listed.json()["pods"][0]["phase"], "running") << listed.body;
  const HttpResult read = call(id, "read", {{"path", "kept.txt"}});
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["result"]["content"], "still here\n");
  // The pod's own token survives the restart, and only its digest is stored.
  EXPECT_EQ(request("GET", "/v1/pods/" + id, pod_token).status, 200);
  const std::string digest_file = (state_dir_ / "pods" / id / "pod-token.sha256").string();
  std::ifstream digest(digest_file);
  std::string stored;
  std::getline(digest, stored);
  EXPECT_EQ(stored.size(), 64u);
  EXPECT_NE(stored, pod_token);
}

}  // namespace
}  // namespace nucleus::node::testing
