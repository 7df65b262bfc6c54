// Crash test of the nucleus-node binary: SIGKILL while tool calls are in
// flight, restart on the same state directory and port, then check that the
// pod, its audit log and its workspace are consistent and that no call ran
// twice.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "node_fixture.h"
#include "proxy/hmac.h"

namespace nucleus::node::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kCalls = 50;
constexpr int kReturnedBeforeKill = 12;

class NodeCrash : public NodeFixture {};

struct WriteCall {
  std::string path;
  std::string content;
  std::string digest;  // args_digest the proxy logs for these arguments
  int status = 0;      // 0: no HTTP reply (connection refused or cut)
};

std::vector<WriteCall> make_calls() {
  std::vector<WriteCall> calls(kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) {
    calls[i].path = "crash-" + std::to_string(i) + ".txt";
    calls[i].content = "content of call " + std::to_string(i) + "\n";
    const json args = {{"path", calls[i].path}, {"content", calls[i].content}};
    calls[i].digest = proxy::sha256_hex(args.dump());
  }
  return calls;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Pids of processes other than this one whose command line contains `text`.
std::vector<std::string> processes_naming(const std::string& text) {
  std::vector<std::string> found;
  const std::string self = std::to_string(::getpid());
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/proc", ignored)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    std::string command_line = read_text(entry.path() / "cmdline");
    for (char& c : command_line) c = c == '\0' ? ' ' : c;
    if (command_line.find(text) != std::string::npos) found.push_back(pid + ": " + command_line);
  }
  return found;
}

// Cgroup directories of the pod, in the unified hierarchy or any v1 controller.
std::vector<std::string> pod_cgroups(const std::string& parent, const std::string& id) {
  std::vector<std::string> found;
  const fs::path root = "/sys/fs/cgroup";
  if (fs::exists(root / parent / id)) found.push_back((root / parent / id).string());
  std::error_code ignored;
  for (const auto& controller : fs::directory_iterator(root, ignored)) {
    if (fs::exists(controller.path() / parent / id)) found.push_back((controller.path() / parent / id).string());
  }
  return found;
}

TEST_F(NodeCrash, KillDuringToolCallsLosesNothing) {
  start_node();
  const std::string id = create_pod(local_pod_yaml("crash"));
  ASSERT_FALSE(id.empty());
  wait_for_phase(id, "running");

  // Each thread sends one distinct write, and the threads start 10 ms apart.
  // The node is killed once kReturnedBeforeKill of them have a reply.
  std::vector<WriteCall> calls = make_calls();
  std::mutex mutex;
  std::condition_variable returned_signal;
  int returned = 0;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kCalls; ++i) {
    threads.emplace_back([this, &id, &calls, &mutex, &returned_signal, &returned, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * static_cast<int>(i)));
      const HttpResult result = call(id, "write", {{"path", calls[i].path}, {"content", calls[i].content}});
      std::lock_guard<std::mutex> lock(mutex);
      calls[i].status = result.status;
      ++returned;
      returned_signal.notify_all();
    });
  }
  int returned_at_kill = 0;
  {
    std::unique_lock<std::mutex> lock(mutex);
    returned_signal.wait(lock, [&returned] { return returned >= kReturnedBeforeKill; });
    returned_at_kill = returned;
  }
  stop_node(SIGKILL);
  for (auto& thread : threads) thread.join();
  EXPECT_LT(static_cast<std::size_t>(returned_at_kill), kCalls) << "every call returned before the kill, so none was in flight";

  std::map<std::string, const WriteCall*> by_digest;
  int succeeded = 0;
  for (const WriteCall& call_record : calls) {
    by_digest[call_record.digest] = &call_record;
    if (call_record.status == 200) ++succeeded;
    EXPECT_TRUE(call_record.status == 200 || call_record.status == 0)
        << call_record.path << " returned HTTP " << call_record.status;
  }
  EXPECT_GE(succeeded, kReturnedBeforeKill);

  start_node();
  const HttpResult listed = request("GET", "/v1/pods", agent_token());
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["pods"].size(), 1u) << listed.body;
  const json pod = listed.json()["pods"][0];
  EXPECT_EQ(pod["id"], id);
  // The sandbox outlives the node, so the pod is adopted. A pod that the
  // driver could not adopt must be failed and give the reason.
  const std::string phase = pod.value("phase", "");
  ASSERT_TRUE(phase == "running" || phase == "failed") << pod.dump();
  if (phase == "failed") {
    EXPECT_FALSE(pod.value("reason", "").empty()) << pod.dump();
  }

  const HttpResult verified = request("GET", "/v1/pods/" + id + "/audit/verify", agent_token());
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.json()["ok"], true) << verified.body;

  // Every acknowledged write is on disk with its content.
  const fs::path workspace = state_dir_ / "pods" / id / "sandbox" / "workspace";
  for (const WriteCall& call_record : calls) {
    if (call_record.status != 200) continue;
    EXPECT_EQ(read_text(workspace / call_record.path), call_record.content) << call_record.path;
  }

  // The audit log contains each executed write at most once, and every
  // acknowledged write exactly once.
  const HttpResult audit = request("GET", "/v1/pods/" + id + "/audit", agent_token());
  ASSERT_EQ(audit.status, 200);
  std::map<std::string, int> executed;
  std::istringstream lines(audit.body);
  for (std::string line; std::getline(lines, line);) {
    const json record = json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << "audit line is not a JSON object: " << line;
    if (record.value("event", "") != "call" || record.value("operation", "") != "write_files" ||
        record.value("decision", "") != "allow") {
      continue;
    }
    const std::string digest = record.value("args_digest", "");
    EXPECT_EQ(by_digest.count(digest), 1u) << "executed write with unknown arguments: " << line;
    // request_id is not checked because it is the JSON-RPC id on the node's
    // connection to the proxy, and the node opens one connection per call.
    ++executed[digest];
  }
  int executed_without_reply = 0;
  for (const WriteCall& call_record : calls) {
    const int times = executed.count(call_record.digest) ? executed[call_record.digest] : 0;
    EXPECT_LE(times, 1) << call_record.path << " was written " << times << " times";
    if (call_record.status == 200) {
      EXPECT_EQ(times, 1) << call_record.path << " returned 200 but is not in the audit log";
    }
    if (call_record.status != 200 && times == 1) ++executed_without_reply;
  }
  std::cout << "[   INFO   ] replies before the kill: " << returned_at_kill << ", replies with 200: " << succeeded
            << ", writes executed without a reply: " << executed_without_reply << "\n";

  // The adopted pod still serves calls.
  if (phase == "running") {
    const HttpResult after = call(id, "write", {{"path", "after-restart.txt"}, {"content", "new\n"}});
    ASSERT_EQ(after.status, 200) << after.body;
    const HttpResult read_back = call(id, "read", {{"path", "after-restart.txt"}});
    ASSERT_EQ(read_back.status, 200) << read_back.body;
    EXPECT_EQ(read_back.json()["result"]["content"], "new\n");
  }

  // Deleting leaves no sandbox directory, cgroup or process behind.
  const HttpResult deleted = request("DELETE", "/v1/pods/" + id, agent_token());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline &&
         (!processes_naming(id).empty() || !pod_cgroups(cgroup_parent_, id).empty())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(fs::exists(state_dir_ / "pods" / id / "sandbox"));
  EXPECT_FALSE(fs::exists(state_dir_ / "pods" / id));
  EXPECT_EQ(pod_cgroups(cgroup_parent_, id), std::vector<std::string>{});
  EXPECT_EQ(processes_naming(id), std::vector<std::string>{});
}

}  // namespace
}  // namespace nucleus::node::testing
