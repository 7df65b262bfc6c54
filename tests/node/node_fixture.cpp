#include "node_fixture.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace nucleus::node::testing {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}


}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

json HttpResult::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string local_pod_yaml(const std::string& name, const std::string& extra) {
  return "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: " + name +
         "\nspec:\n  capabilities:\n    read_files: always\n    write_files: always\n    edit_files: always\n"
         "    glob_search: always\n    grep_search: always\n  resources:\n    disk_mib: 32\n" + extra;
}

void NodeFixture::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "the node's namespace driver needs root (loop devices, cgroups, id maps)";
  static int instance = 0;
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(instance++);
  state_dir_ = fs::path("/tmp") / ("nucleus-node-test-" + tag);
  scratch_ = fs::path("/tmp") / ("nucleus-node-scratch-" + tag);
  cgroup_parent_ = "nucleus-node-test-" + tag;
  fs::remove_all(state_dir_);
  fs::remove_all(scratch_);
  fs::create_directories(scratch_);
  port_ = free_port();
}

void NodeFixture::TearDown() {
  if (node_pid_ > 0) {
    const auto listed = request("GET", "/v1/pods", agent_token()).json();
    if (listed.is_object()) {
      for (const auto& pod : listed["pods"]) request("DELETE", "/v1/pods/" + pod["id"].get<std::string>(), agent_token());
    }
    stop_node(SIGTERM);
  }
  std::error_code ignored;
  fs::remove_all(state_dir_, ignored);
  fs::remove_all(scratch_, ignored);
  for (const char* controller : {"memory/", "pids/", "cpu/", ""}) {
    ::rmdir(("/sys/fs/cgroup/" + std::string(controller) + cgroup_parent_).c_str());
  }
}

void NodeFixture::start_node(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {NUCLEUS_NODE_BINARY,
                                   "--listen", "127.0.0.1:" + std::to_string(port_),
                                   "--state-dir", state_dir_.string(),
                                   "--sandbox-binary", NUCLEUS_SANDBOX_BINARY,
                                   "--proxy-binary", NUCLEUS_TOOL_PROXY_BINARY,
                                   "--cgroup-parent", cgroup_parent_,
                                   "--read-timeout", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  const std::string log = (scratch_ / "node.log").string();
  node_pid_ = ::fork();
  ASSERT_GE(node_pid_, 0);
  if (node_pid_ == 0) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::FILE* out = std::freopen(log.c_str(), "a", stdout);
    if (out == nullptr || ::dup2(::fileno(stdout), 2) < 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (request("GET", "/v1/health", "").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL() << "nucleus-node did not answer /v1/health; its log:\n" << read_text(log);
}

void NodeFixture::stop_node(int signal_number) {
  if (node_pid_ <= 0) return;
  ::kill(node_pid_, signal_number);
  ::waitpid(node_pid_, nullptr, 0);
  node_pid_ = -1;
}

std::string NodeFixture::url(const std::string& path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::string NodeFixture::agent_token() const { return read_text(state_dir_ / "tokens" / "agent").substr(0, 64); }
std::string NodeFixture::approver_token() const {
  return read_text(state_dir_ / "tokens" / "approver").substr(0, 64);
}

HttpResult NodeFixture::request(const std::string& method, const std::string& path, const std::string& token,
                                const std::string& body_file, const std::string& content_type) {
  const fs::path output = scratch_ / ("response-" + std::to_string(counter_++));
  std::string command = "curl -s -S -k --max-time 60 -o " + shell_quote(output.string()) + " -w '%{http_code}' -X " +
                        method + " " + shell_quote(url(path));
  if (!token.empty()) command += " -H " + shell_quote("Authorization: Bearer " + token);
  if (!content_type.empty()) command += " -H " + shell_quote("Content-Type: " + content_type);
  if (!body_file.empty()) command += " --data-binary @" + shell_quote(body_file);
  HttpResult result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char code[16] = {};
  const std::size_t got = std::fread(code, 1, sizeof(code) - 1, pipe);
  ::pclose(pipe);
  result.status = got > 0 ? std::atoi(code) : 0;
  result.body = read_text(output);
  fs::remove(output);
  return result;
}

HttpResult NodeFixture::request_text(const std::string& method, const std::string& path, const std::string& token,
                                     const std::string& body, const std::string& content_type) {
  const fs::path input = scratch_ / ("body-" + std::to_string(counter_++));
  std::ofstream(input, std::ios::binary) << body;
  HttpResult result = request(method, path, token, input.string(), content_type);
  fs::remove(input);
  return result;
}

HttpResult NodeFixture::request_with_headers(const std::string& method, const std::string& path,
                                             const std::string& token, const std::string& body,
                                             const std::vector<std::string>& headers, std::string* response_head) {
  const std::string id = std::to_string(counter_++);
  const fs::path input = scratch_ / ("body-" + id);
  const fs::path head = scratch_ / ("head-" + id);
  const fs::path output = scratch_ / ("response-" + id);
  std::ofstream(input, std::ios::binary) << body;
  std::string command = "curl -s -S -k --max-time 60 -o " + shell_quote(output.string()) + " -D " +
                        shell_quote(head.string()) + " -w '%{http_code}' -X " + method + " " + shell_quote(url(path));
  if (!token.empty()) command += " -H " + shell_quote("Authorization: Bearer " + token);
  for (const std::string& header : headers) command += " -H " + shell_quote(header);
  if (!body.empty()) command += " --data-binary @" + shell_quote(input.string());
  HttpResult result;
  if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
    char code[16] = {};
    const std::size_t got = std::fread(code, 1, sizeof(code) - 1, pipe);
    ::pclose(pipe);
    result.status = got > 0 ? std::atoi(code) : 0;
  }
  result.body = read_text(output);
  if (response_head != nullptr) *response_head = read_text(head);
  for (const fs::path& file : {input, head, output}) fs::remove(file);
  return result;
}

std::string NodeFixture::create_pod(const std::string& yaml) {
  const HttpResult created = request_text("POST", "/v1/pods", agent_token(), yaml, "application/yaml");
  EXPECT_EQ(created.status, 201) << created.body;
  return created.json().value("id", "");
}

json NodeFixture::wait_for_phase(const std::string& id, const std::string& phase, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = request("GET", "/v1/pods/" + id, agent_token()).json();
    if (status.is_object() && status.value("phase", "") == phase) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "pod " << id << " did not reach " << phase << "; last status: " << status.dump();
  return status;
}

HttpResult NodeFixture::call(const std::string& id, const std::string& tool, const json& args,
                             const std::string& query) {
  return request_text("POST", "/v1/pods/" + id + "/tools/" + tool + query, agent_token(), args.dump());
}

std::string NodeFixture::make_tar(const std::vector<std::pair<std::string, std::string>>& files) {
  const fs::path source = scratch_ / ("tree-" + std::to_string(counter_++));
  for (const auto& [path, content] : files) {
    fs::create_directories((source / path).parent_path());
    std::ofstream(source / path, std::ios::binary) << content;
  }
  const std::string archive = source.string() + ".tar";
  const std::string command = "tar -c -f " + shell_quote(archive) + " -C " + shell_quote(source.string()) + " .";
  EXPECT_EQ(std::system(command.c_str()), 0);
  return archive;
}

}  // namespace nucleus::node::testing
