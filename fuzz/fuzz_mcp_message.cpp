// Feeds each input line to an initialized MCP session as one message. The
// backend completes every call at once, so any request reaches the tool
// path. Checks that every request gets exactly one well-formed response
// and that nothing throws.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mcp/session.h"

namespace {

using nlohmann::json;

class InstantBackend : public nucleus::mcp::ToolBackend {
 public:
  nucleus::Result<json> policy() override {
    return json{{"capabilities", {{"read_files", "always"}, {"run_bash", "low_risk"}}},
                {"obligations", {"run_bash"}}};
  }
  nucleus::Result<json> call(const std::string& tool, const json& args, const std::string&) override {
    return json{{"status", "ok"}, {"result", {{"tool", tool}, {"args", args}}}};
  }
  nucleus::Result<bool> approval_pending(const std::string&) override { return false; }
  nucleus::Result<bool> withdraw(const std::string&) override { return true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  InstantBackend backend;
  nucleus::mcp::Session session(backend, {"fuzz"});
  const auto ignore = [](const json&) {};
  session.handle(nucleus::mcp::parse_message(
                     R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"),
                 ignore);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const std::size_t end = std::min(input.find('\n'), input.size());
    const nucleus::mcp::Message message = nucleus::mcp::parse_message(input.substr(0, end));
    input.remove_prefix(std::min(end + 1, input.size()));
    int responses = 0;
    session.handle(message, [&](const json& out) {
      if (out.contains("id")) ++responses;
      // Everything sent must serialize (the transports dump it).
      static_cast<void>(out.dump(-1, ' ', false, json::error_handler_t::replace));
    });
    const bool expects_one = message.kind == nucleus::mcp::MessageKind::request ||
                             message.kind == nucleus::mcp::MessageKind::invalid;
    if (responses != (expects_one ? 1 : 0)) std::abort();
  }
  return 0;
}
