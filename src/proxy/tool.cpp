#include "proxy/tool.h"

namespace nucleus::proxy {

std::string_view to_string(ToolError::Kind kind) {
  switch (kind) {
    case ToolError::Kind::invalid_argument: return "invalid_argument";
    case ToolError::Kind::denied: return "denied";
    case ToolError::Kind::not_found: return "not_found";
    case ToolError::Kind::conflict: return "conflict";
    case ToolError::Kind::too_large: return "too_large";
    case ToolError::Kind::timed_out: return "timed_out";
    case ToolError::Kind::failed: return "failed";
  }
  return "failed";
}

}  // namespace nucleus::proxy
