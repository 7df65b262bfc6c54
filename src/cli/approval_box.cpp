#include "cli/approval_box.h"

#include <cstdint>

namespace nucleus::cli {

namespace {

using nlohmann::json;

struct CodePoint {
  std::uint32_t value = 0;
  std::size_t bytes = 1;
};

// Decodes one UTF-8 sequence at `at`. An invalid byte counts as one code point.
CodePoint decode(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (at + length > text.size()) length = 1;
  std::uint32_t value = length == 1 ? lead : lead & (0x7Fu >> length);
  for (std::size_t i = 1; i < length; ++i) {
    value = (value << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3Fu);
  }
  return {value, length};
}

std::size_t code_point_width(std::uint32_t value) {
  if (value == 0xFE0F || value == 0x200D || (value >= 0x300 && value <= 0x36F)) return 0;
  const bool wide = (value >= 0x1100 && value <= 0x115F) || (value >= 0x2E80 && value <= 0xA4CF) ||
                    (value >= 0xAC00 && value <= 0xD7A3) || (value >= 0xF900 && value <= 0xFAFF) ||
                    (value >= 0xFF00 && value <= 0xFF60) || (value >= 0x1F300 && value <= 0x1FAFF) ||
                    (value >= 0x20000 && value <= 0x3FFFD);
  return wide ? 2 : 1;
}

// Splits `line` into pieces of at most `width` columns.
std::vector<std::string> wrap(const std::string& line, std::size_t width) {
  std::vector<std::string> pieces(1);
  std::size_t used = 0;
  for (std::size_t at = 0; at < line.size();) {
    const CodePoint point = decode(line, at);
    const std::size_t columns = display_width(line.substr(at, point.bytes));
    if (used + columns > width && used > 0) {
      pieces.emplace_back();
      used = 0;
    }
    pieces.back() += line.substr(at, point.bytes);
    used += columns;
    at += point.bytes;
  }
  return pieces;
}

std::string repeat(std::string_view unit, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

bool holds(const json& capabilities, const char* operation) {
  if (!capabilities.is_object() || !capabilities.contains(operation)) return false;
  const json& level = capabilities[operation];
  return !(level.is_string() && level.get<std::string>() == "never");
}

std::string field(const json& approval, const char* key) {
  if (!approval.contains(key)) return "(not given)";
  return approval[key].is_string() ? approval[key].get<std::string>() : approval[key].dump();
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t at = 0; at < text.size();) {
    const CodePoint point = decode(text, at);
    // U+FE0F selects emoji presentation, which terminals draw two columns wide.
    width += point.value == 0xFE0F ? 1 : code_point_width(point.value);
    at += point.bytes;
  }
  return width;
}

std::vector<std::string> approval_box_lines(const json& approval, const json& capabilities) {
  std::vector<std::string> lines = {"⚠️  TRIFECTA PROTECTION TRIGGERED", "", "This agent has:"};
  if (holds(capabilities, "read_files")) lines.emplace_back("  ✓ Read access to files");
  if (holds(capabilities, "web_fetch") || holds(capabilities, "web_search")) {
    lines.emplace_back("  ✓ Web access (prompt injection risk)");
  }
  if (holds(capabilities, "git_push")) lines.emplace_back("  ✓ Git push capability");
  if (holds(capabilities, "create_pr")) lines.emplace_back("  ✓ PR creation");
  if (holds(capabilities, "run_bash")) lines.emplace_back("  ✓ Shell access");
  lines.emplace_back("");
  lines.push_back("Approval: " + field(approval, "approval_id"));
  lines.push_back("Operation: " + field(approval, "operation"));
  lines.push_back("Tool: " + field(approval, "tool"));
  lines.push_back("Arguments: " + (approval.contains("args") ? approval["args"].dump() : "(not given)"));
  lines.push_back("Reason: " + field(approval, "reason"));
  lines.push_back("Expires: " + field(approval, "expires"));
  lines.emplace_back("");
  lines.emplace_back("Approve this operation? [y/N]");
  return lines;
}

std::string draw_box(const std::vector<std::string>& lines, std::size_t width) {
  std::string box = "┌" + repeat("─", width + 2) + "┐\n";
  for (const std::string& line : lines) {
    for (const std::string& piece : wrap(line, width)) {
      box += "│ " + piece + std::string(width - display_width(piece), ' ') + " │\n";
    }
  }
  return box + "└" + repeat("─", width + 2) + "┘\n";
}

}  // namespace nucleus::cli
