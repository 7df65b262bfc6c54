// Round trips through the real nucleus-node binary over HTTP on loopback,
// with bubblewrap measured in the same run as the start baseline.
//
//   node_bench [--rounds N] [--calls C] [--clients T] [--seconds S] [--idle K]
//
// Starts nucleus-node on a free 127.0.0.1 port with a state directory under
// /tmp and talks to it with libcurl, one easy handle (so one kept-alive
// connection while the server keeps it open) per client.
// 1. Create to first tool call: N rounds, alternating `bwrap --unshare-all
//    ... true` with POST /v1/pods, polling GET /v1/pods/{id} until running,
//    PUT of a small workspace tar and one `read`, timed from the POST to the
//    read's 200. Each pod is deleted after its round.
// 2. C `read` calls of a 4 KiB file on one handle, alternating with
//    GET /v1/health as the node's HTTP cost without a tool call.
//    Then the same `read` as an MCP tools/call, over the node's streamable
//    HTTP endpoint (one session, JSON replies) and over stdio through
//    `nucleus mcp`, which calls the node's tool route.
// 3. T threads, each with its own handle, calling `read` for S seconds.
// 4. RSS and PSS (/proc/PID/smaps_rollup) of the nucleus-node process with
//    0 pods and with K idle pods.
// Needs root (the namespace driver). Prints Markdown tables for
// docs/benchmarks.md. Every pod is deleted, the node stopped and the
// temporary directories removed on every exit, SIGINT and SIGTERM included.
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop_requested{false};

void check_stop() {
  if (g_stop_requested) throw std::runtime_error("stopped by a signal");
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

int flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The same invocation as bench/sandbox_bench.cpp: spawn to exit, in ms.
double run_bwrap() {
  const std::vector<std::string> args = {"/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/usr", "/usr",
                                         "--symlink",      "usr/lib",       "/lib",      "--symlink", "usr/lib64",
                                         "/lib64",         "--symlink",     "usr/bin",   "/bin",      "--proc",
                                         "/proc",          "--dev",         "/dev",      "true"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot spawn /usr/bin/bwrap");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double elapsed = ms_since(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("bwrap --unshare-all true failed");
  return elapsed;
}

// One ustar member header for a regular file, mode 0644.
std::string tar_header(const std::string& name, std::size_t size) {
  std::string header(512, '\0');
  auto put = [&header](std::size_t offset, const std::string& text) { header.replace(offset, text.size(), text); };
  auto octal = [](std::size_t value, int width) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%0*lo", width, static_cast<unsigned long>(value));
    return std::string(buffer);
  };
  put(0, name);
  put(100, octal(0644, 7));
  put(108, octal(0, 7));
  put(116, octal(0, 7));
  put(124, octal(size, 11));
  put(136, octal(1'700'000'000, 11));
  put(148, std::string(8, ' '));
  header[156] = '0';
  put(257, std::string("ustar\0" "00", 8));
  unsigned long sum = 0;
  for (char c : header) sum += static_cast<unsigned char>(c);
  put(148, octal(sum, 6) + std::string(1, '\0') + " ");
  return header;
}

// A tar archive of `files` (name -> content) built in memory.
std::string make_tar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string archive;
  for (const auto& [name, content] : files) {
    archive += tar_header(name, content.size()) + content;
    archive.append((512 - content.size() % 512) % 512, '\0');
  }
  archive.append(1024, '\0');
  return archive;
}

struct Reply {
  long status = 0;
  std::string body;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One libcurl easy handle, so one connection that libcurl keeps alive
// across requests for as long as the server does.
class Client {
 public:
  Client(std::string base_url, const std::string& token) : base_url_(std::move(base_url)), curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    for (const char* type : {"", "application/json", "application/yaml", "application/x-tar"}) {
      curl_slist* list = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
      list = curl_slist_append(list, "Expect:");  // no 100-continue round trip before a body
      if (*type != '\0') list = curl_slist_append(list, (std::string("Content-Type: ") + type).c_str());
      headers_[type] = list;
    }
  }
  ~Client() {
    for (auto& entry : headers_) curl_slist_free_all(entry.second);
    curl_easy_cleanup(curl_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request; a transport failure returns status 0 and curl's message.
  Reply send(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& type = "") {
    Reply reply;
    curl_easy_setopt(curl_, CURLOPT_URL, (base_url_ + path).c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_.at(type));
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, nullptr);
    if (method == "POST" || method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      if (method == "PUT") curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, "PUT");
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
      if (method != "GET") curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    const CURLcode code = curl_easy_perform(curl_);
    if (code != CURLE_OK) {
      reply.body = curl_easy_strerror(code);
      return reply;
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    long opened = 0;
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &opened);
    connects_ += opened;
    return reply;
  }

  // New connections opened so far (1 if the first one was kept throughout).
  long connects() const { return connects_; }

 private:
  std::string base_url_;
  CURL* curl_;
  std::map<std::string, curl_slist*> headers_;
  long connects_ = 0;
};

Reply expect(Reply reply, long status, const std::string& request_name) {
  if (reply.status != status) {
    throw std::runtime_error(request_name + ": expected HTTP " + std::to_string(status) + ", got " +
                             std::to_string(reply.status) + ": " + reply.body);
  }
  return reply;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool bound = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) ::close(fd);
  if (!bound) throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

struct Memory {
  long rss_kib = 0;
  long pss_kib = 0;
  long threads = 0;
};

Memory process_memory(pid_t pid) {
  Memory memory;
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key, rest;
  while (rollup >> key) {
    if (key == "Rss:") rollup >> memory.rss_kib;
    if (key == "Pss:") rollup >> memory.pss_kib;
    std::getline(rollup, rest);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (status >> key) {
    if (key == "Threads:") status >> memory.threads;
    std::getline(status, rest);
  }
  return memory;
}

// A nucleus-node process with its own state directory, log file and
// cgroup parent. The destructor deletes every pod the node lists,
// stops the node and removes what it created.
class Node {
 public:
  explicit Node(int max_pods);
  ~Node() { shut_down(); }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  std::unique_ptr<Client> client() const { return std::make_unique<Client>(base_url_, token_); }
  std::string url(const std::string& path) const { return base_url_ + path; }
  const std::string& token() const { return token_; }
  pid_t pid() const { return pid_; }

 private:
  void spawn(int max_pods);
  void wait_healthy();
  bool delete_all_pods();
  void shut_down();

  std::string tag_ = "nucleus-node-bench-" + std::to_string(::getpid());
  fs::path state_dir_ = fs::path("/tmp") / (tag_ + "-state");
  fs::path log_path_ = fs::path("/tmp") / (tag_ + ".log");
  std::string base_url_;
  std::string token_;
  pid_t pid_ = -1;
};

Node::Node(int max_pods) {
  if (fs::exists(state_dir_)) throw std::runtime_error(state_dir_.string() + " already exists");
  base_url_ = "http://127.0.0.1:" + std::to_string(free_port());
  spawn(max_pods);
  try {
    wait_healthy();
    token_ = read_text(state_dir_ / "tokens" / "agent");
    while (!token_.empty() && std::isspace(static_cast<unsigned char>(token_.back()))) token_.pop_back();
    if (token_.empty()) throw std::runtime_error("no agent token in " + (state_dir_ / "tokens" / "agent").string());
  } catch (...) {
    shut_down();
    throw;
  }
}

void Node::spawn(int max_pods) {
  std::vector<std::string> args = {NUCLEUS_NODE_BINARY,   "--listen",       base_url_.substr(7),
                                   "--state-dir",         state_dir_.string(),
                                   "--sandbox-binary",    NUCLEUS_SANDBOX_BINARY,
                                   "--proxy-binary",      NUCLEUS_TOOL_PROXY_BINARY,
                                   "--cgroup-parent",     tag_,
                                   "--max-pods",          std::to_string(max_pods)};
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);  // the benchmark blocks SIGTERM for its watcher thread
    // A terminal's SIGINT must not stop the node before the benchmark deletes its pods.
    ::setpgid(0, 0);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::FILE* out = std::freopen(log_path_.c_str(), "w", stdout);
    if (out == nullptr || ::dup2(::fileno(stdout), 2) < 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

void Node::wait_healthy() {
  Client probe(base_url_, "");
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    check_stop();
    if (probe.send("GET", "/v1/health").status == 200) return;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nucleus-node exited at start; its log:\n" + read_text(log_path_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("nucleus-node did not return 200 for /v1/health within 15 s; its log:\n" + read_text(log_path_));
}

bool Node::delete_all_pods() {
  if (token_.empty()) return true;
  Client cleanup(base_url_, token_);
  const Reply listed = cleanup.send("GET", "/v1/pods");
  const json pods = json::parse(listed.body, nullptr, false);
  if (listed.status != 200 || !pods.is_object()) return false;
  bool all_deleted = true;
  for (const auto& pod : pods.value("pods", json::array())) {
    const std::string id = pod.value("id", "");
    const Reply deleted = cleanup.send("DELETE", "/v1/pods/" + id);
    if (deleted.status != 200) {
      std::fprintf(stderr, "node_bench: cannot delete pod %s: %s\n", id.c_str(), deleted.body.c_str());
      all_deleted = false;
    }
  }
  return all_deleted;
}

void Node::shut_down() {
  if (pid_ <= 0) return;
  const bool clean = delete_all_pods();
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  for (const char* controller : {"memory/", "pids/", "cpu/", ""}) {
    ::rmdir(("/sys/fs/cgroup/" + std::string(controller) + tag_).c_str());
  }
  std::error_code ignored;
  if (!clean) {
    // Sandboxes of undeleted pods keep running after the node stops, with
    // their state and mounts in the state directory, so it stays.
    std::fprintf(stderr, "node_bench: pods left running; kept %s and %s\n", state_dir_.c_str(), log_path_.c_str());
    return;
  }
  fs::remove_all(state_dir_, ignored);
  fs::remove(log_path_, ignored);
}

// The read-only profile has no cost budget. The default profile,
// restrictive, stops a pod after 1.00 USD, which is 1,000 calls at 0.001 USD.
std::string pod_yaml(const std::string& name) {
  return "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: " + name +
         "\nspec:\n  profile: read-only\n  capabilities:\n    read_files: always\n  resources:\n    disk_mib: 32\n";
}

std::string create_pod(Client& client, const std::string& name) {
  const Reply created = expect(client.send("POST", "/v1/pods", pod_yaml(name), "application/yaml"), 201, "POST /v1/pods");
  return json::parse(created.body).at("id").get<std::string>();
}

// Polls GET /v1/pods/{id} every millisecond until the phase is running.
void wait_running(Client& client, const std::string& id) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    check_stop();
    const Reply status = expect(client.send("GET", "/v1/pods/" + id), 200, "GET /v1/pods/" + id);
    const std::string phase = json::parse(status.body).value("phase", "");
    if (phase == "running") return;
    if (phase != "pending") throw std::runtime_error("pod " + id + " reached phase " + phase + ": " + status.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error("pod " + id + " was not running after 60 s");
}

const std::string kSmallFile = "hello from node_bench\n";

std::string workspace_tar() {
  std::string page;
  while (page.size() < 4096) page += "node_bench 4 KiB page line\n";
  page.resize(4095);
  page += '\n';
  return make_tar({{"small.txt", kSmallFile}, {"page.txt", page}});
}

Reply read_call(Client& client, const std::string& id, const std::string& path) {
  return client.send("POST", "/v1/pods/" + id + "/tools/read", json{{"path", path}}.dump(), "application/json");
}

void print_row(const char* name, const std::vector<double>& values, const char* unit) {
  std::printf("| %s | %.1f %s | %.1f %s |\n", name, percentile(values, 0.5), unit, percentile(values, 0.95), unit);
}

// 1. POST to the first `read` answered, alternating with bwrap.
void bench_first_call(Node& node, int rounds) {
  auto client = node.client();
  const std::string tar = workspace_tar();
  std::vector<double> bwrap, post, running, upload, read, total;
  for (int i = 0; i < rounds; ++i) {
    check_stop();
    bwrap.push_back(run_bwrap());
    const auto t0 = Clock::now();
    const std::string id = create_pod(*client, "first-call-" + std::to_string(i));
    const auto t1 = Clock::now();
    wait_running(*client, id);
    const auto t2 = Clock::now();
    expect(client->send("PUT", "/v1/pods/" + id + "/workspace", tar, "application/x-tar"), 200, "PUT workspace");
    const auto t3 = Clock::now();
    const Reply answer = expect(read_call(*client, id, "small.txt"), 200, "read small.txt");
    total.push_back(ms_since(t0));
    read.push_back(ms_since(t3));
    upload.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
    running.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    post.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (json::parse(answer.body)["result"].value("content", "") != kSmallFile) {
      throw std::runtime_error("read small.txt returned other content: " + answer.body);
    }
    expect(client->send("DELETE", "/v1/pods/" + id), 200, "DELETE /v1/pods/" + id);
  }
  std::printf("| create to first tool call (%d rounds) | median | p95 |\n|---|---|---|\n", rounds);
  print_row("baseline: `bwrap --unshare-all ... true`", bwrap, "ms");
  print_row("POST /v1/pods to 201", post, "ms");
  print_row("201 to phase running (1 ms polls)", running, "ms");
  print_row("PUT workspace (2 files)", upload, "ms");
  print_row("first `read`", read, "ms");
  print_row("POST to the read's 200", total, "ms");
  std::printf("\nPOST-to-read / bwrap median ratio: %.1f\n\n", percentile(total, 0.5) / percentile(bwrap, 0.5));
}

std::string start_steady_pod(Node& node) {
  auto client = node.client();
  const std::string id = create_pod(*client, "steady");
  wait_running(*client, id);
  expect(client->send("PUT", "/v1/pods/" + id + "/workspace", workspace_tar(), "application/x-tar"), 200,
         "PUT workspace");
  const Reply page = expect(read_call(*client, id, "page.txt"), 200, "read page.txt");
  if (json::parse(page.body)["result"].value("content", "").size() != 4096) {
    throw std::runtime_error("read page.txt did not return 4096 bytes: " + page.body);
  }
  return id;
}

// 2. `read` of 4 KiB on one handle, alternating with GET /v1/health.
void bench_round_trip(Node& node, const std::string& id, int calls) {
  auto client = node.client();
  for (int i = 0; i < 50; ++i) expect(read_call(*client, id, "page.txt"), 200, "warm-up read");
  const long connects_before = client->connects();
  std::vector<double> read_us, health_us;
  for (int i = 0; i < calls; ++i) {
    if (i % 100 == 0) check_stop();
    auto t0 = Clock::now();
    expect(read_call(*client, id, "page.txt"), 200, "read page.txt");
    read_us.push_back(ms_since(t0) * 1000);
    t0 = Clock::now();
    expect(client->send("GET", "/v1/health"), 200, "GET /v1/health");
    health_us.push_back(ms_since(t0) * 1000);
  }
  std::printf("| one connection, %d calls each | median | p95 |\n|---|---|---|\n", calls);
  print_row("`read` of 4 KiB, POST to 200", read_us, "µs");
  print_row("baseline: GET /v1/health (no tool call)", health_us, "µs");
  std::printf("\nconnections opened for %d requests: %ld\n", 2 * calls, client->connects() - connects_before);
  std::printf("read median target <= 250 us: %s\n\n", percentile(read_us, 0.5) <= 250 ? "met" : "NOT met");
}

// An MCP client over streamable HTTP on its own handle: initialize, then
// tools/call requests carrying the session id, with JSON replies.
class McpHttpClient {
 public:
  McpHttpClient(const std::string& url, const std::string& token) : url_(url), curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    headers_ = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    headers_ = curl_slist_append(headers_, "Accept: application/json");
    headers_ = curl_slist_append(headers_, "Expect:");
    curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, append_body);
    const json reply = post(json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                                 {"params", {{"protocolVersion", "2025-06-18"}}}});
    const auto at = head_.find("Mcp-Session-Id: ");
    if (!reply.contains("result") || at == std::string::npos) throw std::runtime_error("MCP initialize failed: " + head_);
    headers_ = curl_slist_append(headers_, head_.substr(at, head_.find('\r', at) - at).c_str());
  }
  ~McpHttpClient() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  McpHttpClient(const McpHttpClient&) = delete;
  McpHttpClient& operator=(const McpHttpClient&) = delete;

  json post(const json& message) {
    const std::string body = message.dump();
    std::string reply;
    head_.clear();
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &head_);
    if (curl_easy_perform(curl_) != CURLE_OK) throw std::runtime_error("MCP POST failed");
    return json::parse(reply);
  }

 private:
  std::string url_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string head_;
};

// `nucleus mcp --pod ID` on a pair of pipes.
class McpStdioClient {
 public:
  McpStdioClient(const std::string& node_url, const std::string& token, const std::string& pod) {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    std::vector<std::string> args = {NUCLEUS_CLI_BINARY, "mcp", "--pod", pod, "--node", node_url};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::string token_env = "NUCLEUS_NODE_TOKEN=" + token;
    std::vector<char*> env = {token_env.data(), nullptr};
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
    if (spawned != 0) throw std::runtime_error("cannot start nucleus mcp");
    if (!call(json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                   {"params", {{"protocolVersion", "2025-06-18"}}}})
             .contains("result")) {
      throw std::runtime_error("nucleus mcp did not initialize");
    }
  }
  ~McpStdioClient() {
    ::close(in_);
    ::close(out_);
    ::waitpid(pid_, nullptr, 0);
  }
  McpStdioClient(const McpStdioClient&) = delete;
  McpStdioClient& operator=(const McpStdioClient&) = delete;

  json call(const json& message) {
    const std::string line = message.dump() + "\n";
    if (::write(in_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw std::runtime_error("write to nucleus mcp failed");
    }
    std::string reply;
    char buffer[65536];
    while (reply.empty() || reply.back() != '\n') {
      const ssize_t got = ::read(out_, buffer, sizeof(buffer));
      if (got <= 0) throw std::runtime_error("nucleus mcp closed its output");
      reply.append(buffer, static_cast<std::size_t>(got));
    }
    return json::parse(reply);
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
};

json mcp_read(int id) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
          {"params", {{"name", "read"}, {"arguments", {{"path", "page.txt"}}}}}};
}

void check_mcp_read(const json& reply) {
  if (!reply.contains("result") || reply["result"].value("isError", true) ||
      reply["result"]["structuredContent"].value("content", "").size() != 4096) {
    throw std::runtime_error("MCP read failed: " + reply.dump());
  }
}

// 2b. `read` as an MCP tools/call over streamable HTTP and over stdio.
void bench_mcp_round_trip(Node& node, const std::string& id, int calls) {
  McpHttpClient http(node.url("/v1/pods/" + id + "/mcp"), node.token());
  McpStdioClient stdio(node.url(""), node.token(), id);
  for (int i = 0; i < 50; ++i) {
    check_mcp_read(http.post(mcp_read(i)));
    check_mcp_read(stdio.call(mcp_read(i)));
  }
  std::vector<double> http_us, stdio_us;
  for (int i = 0; i < calls; ++i) {
    if (i % 100 == 0) check_stop();
    auto t0 = Clock::now();
    check_mcp_read(http.post(mcp_read(i)));
    http_us.push_back(ms_since(t0) * 1000);
    t0 = Clock::now();
    check_mcp_read(stdio.call(mcp_read(i)));
    stdio_us.push_back(ms_since(t0) * 1000);
  }
  std::printf("| MCP tools/call `read` of 4 KiB, %d calls each | median | p95 |\n|---|---|---|\n", calls);
  print_row("streamable HTTP, one session, JSON reply", http_us, "µs");
  print_row("stdio through `nucleus mcp` (then the tool route)", stdio_us, "µs");
  std::printf("\n");
}

struct WorkerTally {
  long ok = 0;
  long failed = 0;
  long connects = 0;
  std::vector<double> latency_us;
};

// 3. `clients` threads, each with its own handle, for `seconds`.
void bench_throughput(Node& node, const std::string& id, int clients, int seconds) {
  std::vector<WorkerTally> tallies(static_cast<std::size_t>(clients));
  std::atomic<bool> go{false};
  std::atomic<int> ready{0};
  Clock::time_point end;
  std::vector<std::thread> workers;
  for (auto& tally : tallies) {
    workers.emplace_back([&node, &id, &go, &ready, &end, &tally] {
      auto client = node.client();
      ++ready;
      while (!go) std::this_thread::yield();
      while (Clock::now() < end && !g_stop_requested) {
        const auto t0 = Clock::now();
        const Reply reply = read_call(*client, id, "page.txt");
        tally.latency_us.push_back(ms_since(t0) * 1000);
        ++(reply.status == 200 ? tally.ok : tally.failed);
      }
      tally.connects = client->connects();
    });
  }
  while (ready < clients) std::this_thread::yield();
  const auto start = Clock::now();
  end = start + std::chrono::seconds(seconds);
  go = true;
  for (auto& worker : workers) worker.join();
  check_stop();
  const double elapsed_s = ms_since(start) / 1000;
  WorkerTally sum;
  for (const auto& tally : tallies) {
    sum.ok += tally.ok;
    sum.failed += tally.failed;
    sum.connects += tally.connects;
    sum.latency_us.insert(sum.latency_us.end(), tally.latency_us.begin(), tally.latency_us.end());
  }
  std::printf("| %d clients, %.1f s | calls/s | per-call median | per-call p95 | failed | connections |\n"
              "|---|---|---|---|---|---|\n", clients, elapsed_s);
  std::printf("| `read` of 4 KiB | %.0f | %.2f ms | %.2f ms | %ld | %ld |\n\n", static_cast<double>(sum.ok) / elapsed_s,
              percentile(sum.latency_us, 0.5) / 1000, percentile(sum.latency_us, 0.95) / 1000, sum.failed,
              sum.connects);
}

// 4. The node's own memory with 0 and with `idle` idle pods.
void bench_idle_memory(Node& node, int idle) {
  auto client = node.client();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const Memory empty = process_memory(node.pid());
  std::vector<std::string> ids;
  const auto t0 = Clock::now();
  for (int i = 0; i < idle; ++i) {
    check_stop();
    ids.push_back(create_pod(*client, "idle-" + std::to_string(i)));
  }
  for (const auto& id : ids) wait_running(*client, id);
  const double started_s = ms_since(t0) / 1000;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const Memory full = process_memory(node.pid());
  std::printf("| nucleus-node process | RSS | PSS | threads |\n|---|---|---|---|\n");
  std::printf("| 0 pods | %.1f MiB | %.1f MiB | %ld |\n", static_cast<double>(empty.rss_kib) / 1024,
              static_cast<double>(empty.pss_kib) / 1024, empty.threads);
  std::printf("| %d idle pods (created and running in %.1f s) | %.1f MiB | %.1f MiB | %ld |\n", idle, started_s,
              static_cast<double>(full.rss_kib) / 1024, static_cast<double>(full.pss_kib) / 1024, full.threads);
  if (idle > 0) {
    std::printf("| increase per pod | %.1f KiB | %.1f KiB | %.2f |\n\n",
                static_cast<double>(full.rss_kib - empty.rss_kib) / idle,
                static_cast<double>(full.pss_kib - empty.pss_kib) / idle,
                static_cast<double>(full.threads - empty.threads) / idle);
  }
  const auto t1 = Clock::now();
  for (const auto& id : ids) expect(client->send("DELETE", "/v1/pods/" + id), 200, "DELETE /v1/pods/" + id);
  std::printf("deleted %d pods in %.1f s\n", idle, ms_since(t1) / 1000);
}

// Blocks SIGINT, SIGTERM and SIGHUP in every thread and turns them into
// g_stop_requested, so the loops end and the destructors clean up.
std::thread watch_stop_signals(sigset_t& signals) {
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return std::thread([&signals] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    g_stop_requested = true;
  });
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = flag(argc, argv, "--rounds", 20);
  const int calls = flag(argc, argv, "--calls", 2000);
  const int clients = flag(argc, argv, "--clients", 64);
  const int seconds = flag(argc, argv, "--seconds", 5);
  const int idle = flag(argc, argv, "--idle", 200);
  if (rounds < 1 || calls < 1 || clients < 1 || seconds < 1 || idle < 0) {
    std::fprintf(stderr, "node_bench: --rounds, --calls, --clients and --seconds must be positive, --idle >= 0\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  sigset_t signals;
  std::thread watcher = watch_stop_signals(signals);
  int exit_code = 0;
  try {
    Node node(idle + 8);
    bench_first_call(node, rounds);
    const std::string steady = start_steady_pod(node);
    bench_round_trip(node, steady, calls);
    bench_mcp_round_trip(node, steady, calls);
    bench_throughput(node, steady, clients, seconds);
    expect(node.client()->send("DELETE", "/v1/pods/" + steady), 200, "DELETE /v1/pods/" + steady);
    bench_idle_memory(node, idle);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "node_bench: %s\n", error.what());
    exit_code = 1;
  }
  if (!g_stop_requested) pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  curl_global_cleanup();
  return exit_code;
}
