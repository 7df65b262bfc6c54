#include "node/tool_reply.h"

#include <array>

namespace nucleus::node {

using nlohmann::json;

bool is_known_tool(std::string_view tool) {
  static constexpr std::array<std::string_view, 11> kTools = {
      "read", "write", "edit", "glob", "grep", "run", "web_fetch", "web_search", "git_commit", "git_push",
      "create_pr"};
  for (std::string_view known : kTools) {
    if (known == tool) return true;
  }
  return false;
}

json error_body(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

namespace {

int error_status(const std::string& kind) {
  if (kind == "invalid_argument") return 400;
  if (kind == "denied") return 403;
  if (kind == "not_found") return 404;
  if (kind == "conflict") return 409;
  if (kind == "too_large") return 413;
  if (kind == "timed_out") return 504;
  return 500;
}

}  // namespace

HttpReply map_call_reply(const json& reply) {
  json body = reply;
  body.erase("id");
  const std::string status = reply.value("status", "");
  if (status == "ok") return {200, body};
  if (status == "denied") return {403, body};
  if (status == "approval_required") return {202, body};
  if (status == "error" && reply.contains("error") && reply["error"].is_object()) {
    return {error_status(reply["error"].value("kind", "")), body};
  }
  return {502, error_body("bad_proxy_reply", "the tool proxy sent a reply without a known status")};
}

std::string decision_label(const json& reply) {
  const std::string status = reply.value("status", "");
  if (status == "ok") return "allow";
  if (status == "denied") return "deny";
  if (status == "approval_required") return "approval_required";
  return "error";
}

}  // namespace nucleus::node
