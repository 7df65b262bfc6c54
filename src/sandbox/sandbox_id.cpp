#include "sandbox/sandbox_id.h"

#include <fmt/format.h>

namespace nucleus::sandbox {
namespace {

bool allowed(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

std::string shown(std::string_view id) {
  std::string text;
  for (char c : id.substr(0, kMaxSandboxIdLength)) {
    const auto byte = static_cast<unsigned char>(c);
    text += (byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\') ? std::string(1, c)
                                                                    : fmt::format("\\x{:02x}", byte);
  }
  return "\"" + text + (id.size() > kMaxSandboxIdLength ? "...\"" : "\"");
}

}  // namespace

Result<std::string> check_sandbox_id(std::string_view id) {
  if (id.empty()) return make_error("sandbox id is empty");
  if (id.size() > kMaxSandboxIdLength) {
    return make_error(fmt::format("sandbox id {} is longer than {} characters", shown(id), kMaxSandboxIdLength));
  }
  if (id.front() == '-') return make_error(fmt::format("sandbox id {} starts with '-'", shown(id)));
  for (char c : id) {
    if (!allowed(c)) {
      return make_error(fmt::format("sandbox id {} has a character outside [a-z0-9-]", shown(id)));
    }
  }
  return std::string(id);
}

}  // namespace nucleus::sandbox
