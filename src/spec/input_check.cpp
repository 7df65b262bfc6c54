#include "spec/input_check.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "spec/document.h"
#include "spec/source_error.h"

namespace nucleus::spec {
namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;
};

bool is_continuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

// Decodes the UTF-8 sequence at `pos`; nullopt when it is malformed,
// truncated, overlong, a surrogate or above U+10FFFF.
std::optional<CodePoint> decode_utf8(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80U) return CodePoint{lead, 1};

  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2, value = lead & 0x1FU, minimum = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3, value = lead & 0x0FU, minimum = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4, value = lead & 0x07U, minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() - pos < length) return std::nullopt;

  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) return std::nullopt;
    value = (value << 6) | (byte & 0x3FU);
  }
  if (value < minimum || value > 0x10FFFF) return std::nullopt;
  if (value >= 0xD800 && value <= 0xDFFF) return std::nullopt;
  return CodePoint{value, length};
}

// YAML 1.2 c-printable, the characters a stream may contain.
bool is_yaml_printable(char32_t c) {
  if (c == 0x09 || c == 0x0A || c == 0x0D || c == 0x85) return true;
  if (c >= 0x20 && c <= 0x7E) return true;
  if (c >= 0xA0 && c <= 0xD7FF) return true;
  if (c >= 0xE000 && c <= 0xFFFD) return true;
  return c >= 0x10000 && c <= 0x10FFFF;
}

// NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
bool is_unicode_line_separator(char32_t c) { return c == 0x85 || c == 0x2028 || c == 0x2029; }

std::string hex_code_point(char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", static_cast<unsigned>(byte));
  return buffer;
}

}  // namespace

std::string_view check_input_text(std::string_view input) {
  if (input.size() > kMaxDocumentBytes) {
    throw SourceError({1, 1}, "",
                      "input is " + std::to_string(input.size()) + " bytes, over the limit of " +
                          std::to_string(kMaxDocumentBytes) + " bytes");
  }
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  const std::string_view text =
      input.starts_with(kByteOrderMark) ? input.substr(kByteOrderMark.size()) : input;

  int line = 1;
  std::size_t line_start = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const SourceMark mark{line, static_cast<int>(pos - line_start) + 1};
    const auto decoded = decode_utf8(text, pos);
    if (!decoded) {
      throw SourceError(mark, "",
                        "invalid UTF-8 (byte " +
                            hex_byte(static_cast<unsigned char>(text[pos])) +
                            "); save the file as UTF-8");
    }
    if (is_unicode_line_separator(decoded->value)) {
      throw SourceError(mark, "",
                        "character " + hex_code_point(decoded->value) +
                            " is not allowed: YAML 1.1 readers such as yaml-cpp treat it as a line "
                            "break and YAML 1.2 readers do not; remove it");
    }
    if (!is_yaml_printable(decoded->value)) {
      throw SourceError(mark, "",
                        "character " + hex_code_point(decoded->value) +
                            " is not allowed in a YAML stream; remove it");
    }
    if (decoded->value == '\n') {
      ++line;
      line_start = pos + 1;
    }
    pos += decoded->length;
  }
  return text;
}

}  // namespace nucleus::spec
