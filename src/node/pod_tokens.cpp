#include "node/pod_tokens.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errno_text.h"
#include "common/file_text.h"
#include "common/unique_fd.h"
#include "node/tokens.h"
#include "proxy/hmac.h"

namespace nucleus::node {

namespace {

void forget_pod(std::map<std::string, std::string>& pod_by_digest, const std::string& pod_id) {
  std::erase_if(pod_by_digest, [&](const auto& entry) { return entry.second == pod_id; });
}

}  // namespace

Result<std::string> PodTokens::issue(const std::string& pod_id) {
  auto token = generate_token();
  if (!token.ok()) return token;
  const std::string digest = proxy::sha256_hex(*token);
  const std::string path = pods_dir_ + "/" + pod_id + "/pod-token.sha256";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return make_error(syscall_error("open", path));
  const std::string line = digest + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return make_error(syscall_error("write", path));
  }
  std::lock_guard lock(mutex_);
  forget_pod(pod_by_digest_, pod_id);
  pod_by_digest_[digest] = pod_id;
  return token;
}

void PodTokens::load(const std::string& pod_id) {
  std::string digest = read_file_text(pods_dir_ + "/" + pod_id + "/pod-token.sha256");
  while (!digest.empty() && (digest.back() == '\n' || digest.back() == ' ')) digest.pop_back();
  if (digest.size() != 64) return;  // hex SHA-256
  std::lock_guard lock(mutex_);
  pod_by_digest_[digest] = pod_id;
}

void PodTokens::revoke(const std::string& pod_id) {
  std::lock_guard lock(mutex_);
  forget_pod(pod_by_digest_, pod_id);
}

std::optional<std::string> PodTokens::pod_of(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const std::string digest = proxy::sha256_hex(token);
  std::lock_guard lock(mutex_);
  auto found = pod_by_digest_.find(digest);
  if (found == pod_by_digest_.end()) return std::nullopt;
  return found->second;
}

bool pod_token_allows(const std::string& pod_id, const std::string& method, const std::string& path) {
  const std::string base = "/v1/pods/" + pod_id;
  if (path == base) return method == "GET";
  if (path == base + "/approvals") return method == "GET";
  if (path == base + "/mcp") return true;
  const std::string approvals = base + "/approvals/";
  if (method == "POST" && path.starts_with(approvals) && path.ends_with("/withdraw")) {
    const std::string_view id(path.data() + approvals.size(), path.size() - approvals.size() - 9);
    return !id.empty() && id.find('/') == std::string_view::npos;
  }
  const std::string tools = base + "/tools/";
  return method == "POST" && path.starts_with(tools) && path.size() > tools.size() &&
         path.find('/', tools.size()) == std::string::npos;
}

}  // namespace nucleus::node
