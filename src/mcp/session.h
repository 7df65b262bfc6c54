// One MCP session (protocol revision 2025-06-18) over any transport: the
// initialize handshake, ping, tools/list, tools/call, logging/setLevel and
// notifications/cancelled. Tool calls go to a ToolBackend. A call that
// needs a human approval waits here until the approver decides, the
// approval expires or the client cancels. Meanwhile it sends logging
// notifications, and progress notifications when the request carries a
// progress token.
//
// handle() may run on several threads at once. A transport typically runs
// each tools/call on its own thread, so that cancellations and pings get
// their responses while a call waits.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc.h"
#include "mcp/tool_backend.h"

namespace nucleus::mcp {

inline constexpr const char* kProtocolVersion = "2025-06-18";

// Revisions this server speaks; a client asking for another one gets
// kProtocolVersion and decides whether to continue.
const std::vector<std::string>& supported_protocol_versions();

struct SessionOptions {
  std::string pod_id;
  std::string server_version = "0.1.0";
  std::chrono::milliseconds poll_interval{250};      // approval status checks
  std::chrono::milliseconds progress_interval{1000};  // notifications while waiting
};

// Receives every message the session sends: responses and notifications.
using Sender = std::function<void(const nlohmann::json&)>;

// The transport's abilities for one request.
struct CallContext {
  // False when the transport cannot send notifications or notice a client
  // that went away (HTTP without an event stream): a call that needs an
  // approval then withdraws it at once and returns isError.
  bool can_wait = true;
  // Called about every progress_interval while a call waits, and once
  // before an approved call runs. False means the client is gone, and the
  // wait ends as if cancelled. Empty: the transport notices by itself.
  std::function<bool()> client_alive;
  // Called when a call starts to wait. A null result means the transport
  // has no room for another waiting call, so the approval is withdrawn and
  // the call returns isError. The result is kept until the wait ends.
  // Empty: no limit.
  std::function<std::shared_ptr<void>()> acquire_wait_slot;
};

class Session {
 public:
  Session(ToolBackend& backend, SessionOptions options);

  // Handles one classified message. A request gets exactly one response
  // through `send`, unless the client cancels it first; notifications and
  // responses get none. An invalid message gets its error response.
  void handle(const Message& message, const Sender& send, const CallContext& context = {});

  // Stops waiting for the call with request id `id`, if it is in flight;
  // that request then gets no response.
  void cancel(const nlohmann::json& id);

  // Stops waiting for every call in flight, and for every call that starts
  // later (the transport closed).
  void cancel_all();

  bool initialized() const { return initialized_.load(); }
  std::string protocol_version() const;
  const SessionOptions& options() const { return options_; }

 private:
  struct InFlight {
    std::atomic<bool> cancelled{false};
  };

  void handle_request(const Message& message, const Sender& send, const CallContext& context);
  void handle_notification(const Message& message);
  nlohmann::json initialize(const Message& message);
  nlohmann::json list_tools_result(const Message& message);
  void call_tool(const Message& message, const std::shared_ptr<InFlight>& flight, const Sender& send,
                 const CallContext& context);
  // Waits for approval `approval_id`, then makes the approved call; nullopt
  // when the client cancelled or went away, after withdrawing the approval.
  std::optional<nlohmann::json> await_approval(const Message& message, const std::string& tool,
                                               const nlohmann::json& args, const nlohmann::json& first_reply,
                                               InFlight& flight, const Sender& send, const CallContext& context);
  void withdraw(const Message& message, const std::string& approval_id, std::string_view why);
  void log(const Sender& send, std::string_view level, nlohmann::json data);

  std::shared_ptr<InFlight> begin(const nlohmann::json& id);
  void end(const nlohmann::json& id);

  ToolBackend& backend_;
  SessionOptions options_;
  std::atomic<bool> initialized_{false};
  mutable std::mutex mutex_;
  std::string protocol_version_;
  int log_threshold_ = 1;  // index into the syslog levels; "info" by default
  bool closed_ = false;     // set by cancel_all
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;
};

// Renders a proxy reply as an MCP CallToolResult. An ok reply gives the
// result as JSON text plus structuredContent. Denied and error replies give
// isError: true with the reason, so that the model can adapt.
nlohmann::json call_tool_result(const nlohmann::json& reply);

}  // namespace nucleus::mcp
