// The MCP stdio transport: newline-delimited JSON-RPC messages on an input
// stream, replies on an output stream, nothing else on either. Each
// tools/call runs on its own thread, so that pings and cancellations get
// their responses while a call waits for an approval.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>

#include "mcp/session.h"

namespace nucleus::mcp {

// Calls waiting at once beyond this get kInternalError.
inline constexpr std::size_t kMaxConcurrentCalls = 32;

// Serves `session` until `in` ends, then cancels the calls still waiting
// and returns once every thread has finished. Lines over kMaxMessageBytes
// are skipped and get a kInvalidRequest error. Blank lines are ignored.
// Returns 0, or 1 when writing to `out` failed.
int serve_stdio(Session& session, std::istream& in, std::ostream& out);

}  // namespace nucleus::mcp
