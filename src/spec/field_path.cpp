#include "spec/field_path.h"

#include <algorithm>
#include <cstdio>

namespace nucleus::spec {
namespace {

bool is_bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

std::string quote_text(std::string_view key) {
  std::string out = "\"";
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(byte));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string append_key(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char);
  out += bare ? std::string(key) : quote_text(key);
  return out;
}

std::string append_index(std::string_view parent, std::size_t index) {
  return std::string(parent) + '[' + std::to_string(index) + ']';
}

std::string quote_value(std::string_view value) {
  if (value.size() <= kMaxQuotedBytes) return quote_text(value);

  std::size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0U) == 0x80U) --cut;
  std::string out = quote_text(value.substr(0, cut));
  out.insert(out.size() - 1, "...");
  return out;
}

}  // namespace nucleus::spec
