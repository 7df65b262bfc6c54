// `nucleus pods ...` against the fake node: requests sent, output, exit
// statuses, and that rejected input sends nothing.
#include <chrono>

#include "cli/pod_commands.h"
#include "node_cli_harness.h"

namespace nucleus::cli::testing {
namespace {

using nlohmann::json;

const char* const kSpecYaml = "apiVersion: nucleus/v1\nkind: Pod\nmetadata:\n  name: demo\n";

TEST_F(NodeCli, CreateSendsYamlAndPrintsId) {
  const auto spec = write("pod.yaml", kSpecYaml);
  const CliRun run = nucleus({"pods", "create", "-f", spec.string()});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.stdout_text, "p1\n");
  const auto sent = node_.mutations();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].path, "/v1/pods");
  EXPECT_EQ(sent[0].content_type, "application/yaml");
  EXPECT_EQ(sent[0].body, kSpecYaml);
  EXPECT_EQ(sent[0].authorization, std::string("Bearer ") + kAgentToken);
}

TEST_F(NodeCli, CreateSendsJsonForJsonFile) {
  const auto spec = write("pod.json", R"({"kind": "Pod"})");
  const CliRun run = nucleus({"pods", "create", "-f", spec.string()});
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(node_.mutations().size(), 1u);
  EXPECT_EQ(node_.mutations()[0].content_type, "application/json");
}

TEST_F(NodeCli, CreateBadSpecShowsNodeMessage) {
  const auto spec = write("pod.yaml", "name: x\n");
  const CliRun run = nucleus({"pods", "create", "-f", spec.string()});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "HTTP 400")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "spec.yaml:1:1: missing field kind")) << run.output;
}

TEST_F(NodeCli, RejectedCreateSendsNothing) {
  const auto spec = write("pod.yaml", kSpecYaml);
  const auto empty = write("empty.yaml", "");
  const std::vector<std::vector<std::string>> cases = {
      {"pods", "create", "-f", (dir_ / "absent.yaml").string()},
      {"pods", "create", "-f", dir_.string()},
      {"pods", "create", "-f", empty.string()},
      {"pods", "create", "-f", spec.string(), "--workspace", (dir_ / "absent-dir").string()},
      {"pods", "create", "-f", spec.string(), "--workspace", spec.string()},
      {"pods", "create"},
      {"pods", "create", "-f", spec.string(), "--timeout", "-1"},
  };
  for (const auto& args : cases) {
    const CliRun run = nucleus(args);
    EXPECT_EQ(run.status, 2) << args.back() << ": " << run.output;
    EXPECT_FALSE(run.stderr_text.empty()) << args.back();
  }
  EXPECT_TRUE(node_.requests().empty());
}

TEST_F(NodeCli, CreateUploadsWorkspaceOnceRunning) {
  const auto spec = write("pod.yaml", kSpecYaml);
  write("src/main.c", "int main(void) { return 0; }\n");
  write("src/sub/notes.txt", "notes\n");
  const CliRun run = nucleus({"pods", "create", "-f", spec.string(), "--workspace", (dir_ / "src").string()});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.stdout_text, "p1\n");
  EXPECT_TRUE(contains(run.stderr_text, "entries")) << run.output;

  const auto sent = node_.mutations();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].method, "PUT");
  EXPECT_EQ(sent[1].path, "/v1/pods/p1/workspace");
  EXPECT_EQ(sent[1].content_type, "application/x-tar");
  // The pod was polled until it left pending, and only then uploaded to.
  int polls = 0;
  for (const NodeRequest& request : node_.requests()) polls += request.path == "/v1/pods/p1" ? 1 : 0;
  EXPECT_EQ(polls, 2);

  // Round trip: pull what was uploaded into an empty directory.
  const CliRun pull = nucleus({"workspace", "pull", "p1", (dir_ / "copy").string()});
  ASSERT_EQ(pull.status, 0) << pull.output;
  EXPECT_EQ(read_file(dir_ / "copy/main.c"), "int main(void) { return 0; }\n");
  EXPECT_EQ(read_file(dir_ / "copy/sub/notes.txt"), "notes\n");
}

TEST_F(NodeCli, CreateTimesOutWithoutUpload) {
  node_.set_pending_polls(1000);
  const auto spec = write("pod.yaml", kSpecYaml);
  write("src/a.txt", "a");
  const CliRun run = nucleus(
      {"pods", "create", "-f", spec.string(), "--workspace", (dir_ / "src").string(), "--timeout", "0.3"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "still in phase pending")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "was not uploaded")) << run.output;
  for (const NodeRequest& request : node_.mutations()) EXPECT_NE(request.method, "PUT");
}

TEST_F(NodeCli, ListPrintsTable) {
  node_.add_pod("abc", {{"name", "review"}, {"phase", "running"}});
  node_.add_pod("def", {{"name", "fix"}, {"phase", "failed"}, {"budget", {{"spent_usd", "1.5"}, {"max_cost_usd", nullptr}}}});
  const CliRun run = nucleus({"pods", "list"});
  ASSERT_EQ(run.status, 0) << run.output;
  std::istringstream lines(run.stdout_text);
  std::string header;
  std::string first;
  std::string second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.substr(0, 2), "ID");
  for (const char* column : {"NAME", "PHASE", "AGE", "BUDGET"}) EXPECT_TRUE(contains(header, column)) << column;
  EXPECT_TRUE(contains(first, "abc")) << first;
  EXPECT_TRUE(contains(first, "review")) << first;
  EXPECT_TRUE(contains(first, "$0.0123/$5.00")) << first;
  EXPECT_TRUE(contains(second, "failed")) << second;
  EXPECT_TRUE(contains(second, "$1.5")) << second;
  EXPECT_FALSE(contains(second, "$1.5/")) << second;
}

TEST_F(NodeCli, GetPrintsStatusJson) {
  node_.add_pod("abc");
  const CliRun run = nucleus({"pods", "get", "abc"});
  ASSERT_EQ(run.status, 0) << run.output;
  const json status = json::parse(run.stdout_text);
  EXPECT_EQ(status["id"], "abc");
  EXPECT_EQ(status["capabilities"]["read_files"], "always");
}

TEST_F(NodeCli, GetUnknownPodFails) {
  const CliRun run = nucleus({"pods", "get", "nope"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "HTTP 404 (pod_not_found)")) << run.output;
}

TEST_F(NodeCli, LogsPrintAndFollow) {
  node_.add_pod("abc");
  node_.set_logs("abc", {"one\n", "two\n", "three\n"});
  const CliRun plain = nucleus({"pods", "logs", "abc"});
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.stdout_text, "one\ntwo\nthree\n");
  const CliRun followed = nucleus({"pods", "logs", "abc", "-f"});
  ASSERT_EQ(followed.status, 0) << followed.output;
  EXPECT_EQ(followed.stdout_text, "one\ntwo\nthree\n");
  const auto requests = node_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].query, "");
  EXPECT_EQ(requests[1].query, "follow=true");
}

TEST_F(NodeCli, LogsOfUnknownPodFail) {
  const CliRun run = nucleus({"pods", "logs", "nope"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "pod_not_found")) << run.output;
  EXPECT_TRUE(run.stdout_text.empty()) << run.output;
}

TEST_F(NodeCli, DeleteAndCancel) {
  node_.add_pod("abc");
  node_.add_pod("def");
  const CliRun cancel = nucleus({"pods", "cancel", "abc"});
  ASSERT_EQ(cancel.status, 0) << cancel.output;
  EXPECT_TRUE(contains(cancel.stdout_text, "terminated")) << cancel.output;
  const CliRun removed = nucleus({"pods", "delete", "def"});
  ASSERT_EQ(removed.status, 0) << removed.output;
  EXPECT_TRUE(contains(removed.stdout_text, "deleted pod def")) << removed.output;
  const auto sent = node_.mutations();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].path, "/v1/pods/abc/cancel");
  EXPECT_EQ(sent[0].content_type, "");
  EXPECT_EQ(sent[1].method, "DELETE");
  EXPECT_EQ(nucleus({"pods", "delete", "def"}).status, 1);
}

TEST_F(NodeCli, PodIdIsPercentEncoded) {
  const CliRun run = nucleus({"pods", "get", "a b?c"});
  EXPECT_EQ(run.status, 1) << run.output;
  ASSERT_EQ(node_.requests().size(), 1u);
  EXPECT_EQ(node_.requests()[0].target, "/v1/pods/a%20b%3Fc");
  EXPECT_EQ(node_.requests()[0].path, "/v1/pods/a b?c");
}

TEST_F(NodeCli, MissingTokenNamesWhereTokensComeFrom) {
  const CliRun run = nucleus({"pods", "list"}, false);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "HTTP 401")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "NUCLEUS_NODE_TOKEN")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, (dir_ / "state/tokens/agent").string())) << run.output;
}

TEST_F(NodeCli, TokenFileAndFlagPrecedence) {
  write("state/tokens/agent", std::string(kAgentToken) + "\n");
  EXPECT_EQ(nucleus({"pods", "list"}, false).status, 0);
  const CliRun wrong = nucleus({"pods", "list", "--token", "wrong"}, false);
  EXPECT_EQ(wrong.status, 1) << wrong.output;
  EXPECT_TRUE(contains(wrong.stderr_text, "--token")) << wrong.output;
}

TEST_F(NodeCli, ConnectionRefusedNamesUrl) {
  const std::string url = "http://127.0.0.1:1";
  const CliRun run = nucleus({"--node", url, "pods", "list"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "cannot connect to the nucleus-node at " + url)) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "nucleus-node")) << run.output;
}

TEST(PodAge, FormatsUnits) {
  using std::chrono::seconds;
  const auto created = std::chrono::system_clock::from_time_t(1'767'225'600);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(format_age("2026-01-01T00:00:00Z", created + seconds(5)), "5s");
  EXPECT_EQ(format_age("2026-01-01T00:00:00.250Z", created + seconds(600)), "10m");
  EXPECT_EQ(format_age("2026-01-01T00:00:00Z", created + seconds(5 * 3600)), "5h");
  EXPECT_EQ(format_age("2026-01-01T00:00:00Z", created + seconds(3 * 86400)), "3d");
  EXPECT_EQ(format_age("2026-01-01T01:00:00+01:00", created + seconds(30)), "30s");
  EXPECT_EQ(format_age("yesterday", created), "?");
  EXPECT_EQ(format_age("2026-01-01T00:00:00", created), "?");
}

}  // namespace
}  // namespace nucleus::cli::testing
