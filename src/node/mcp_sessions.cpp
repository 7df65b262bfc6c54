#include "node/mcp_sessions.h"

#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "node/pod_tools.h"
#include "proxy/hmac.h"

namespace nucleus::node {

using nlohmann::json;

Result<json> PodToolBackend::policy() {
  auto status = query_status(pods_, pod_id_);
  if (!status || !status->contains("policy")) return make_error("pod " + pod_id_ + " is not running");
  return (*status)["policy"];
}

Result<json> PodToolBackend::call(const std::string& tool, const json& args, const std::string& approval_id) {
  const HttpReply reply = call_tool(pods_, metrics_, pod_id_, tool, args, /*wait=*/false, approval_id);
  return mcp::proxy_reply_from_http(reply.status, reply.body);
}

Result<bool> PodToolBackend::approval_pending(const std::string& approval_id) {
  return node::approval_pending(pods_, pod_id_, approval_id);
}

Result<bool> PodToolBackend::withdraw(const std::string& approval_id) {
  const HttpReply reply = withdraw_approval(pods_, pod_id_, approval_id);
  if (reply.status != 200) return make_error(reply.body.dump());
  return true;
}

namespace {

std::string random_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  return proxy::to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace

std::shared_ptr<McpSessionEntry> McpSessions::create(const std::string& pod_id) {
  auto entry = std::make_shared<McpSessionEntry>();
  entry->id = random_session_id();
  entry->pod_id = pod_id;
  entry->backend = std::make_unique<PodToolBackend>(pods_, metrics_, pod_id);
  entry->session = std::make_unique<mcp::Session>(*entry->backend, mcp::SessionOptions{pod_id});
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    spdlog::info("event=mcp_session_evicted pod={} session={}", oldest->second.entry->pod_id, oldest->first);
    oldest->second.entry->session->cancel_all();
    sessions_.erase(oldest);
  }
  sessions_[entry->id] = {entry, std::chrono::steady_clock::now()};
  return entry;
}

std::shared_ptr<McpSessionEntry> McpSessions::find(const std::string& session_id, const std::string& pod_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(session_id);
  if (found == sessions_.end() || found->second.entry->pod_id != pod_id) return nullptr;
  found->second.last_used = std::chrono::steady_clock::now();
  return found->second.entry;
}

bool McpSessions::remove(const std::string& session_id, const std::string& pod_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(session_id);
  if (found == sessions_.end() || found->second.entry->pod_id != pod_id) return false;
  found->second.entry->session->cancel_all();
  sessions_.erase(found);
  return true;
}

std::size_t McpSessions::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace nucleus::node
