#include "policy/command_wildcard.h"

#include <cstddef>

namespace nucleus::policy::command {
namespace {

constexpr std::size_t kInvalid = std::string_view::npos;

// Parse the class that starts with '[' at `start`. Returns the index after
// its closing ']' (kInvalid when malformed) and, when `byte` is given,
// whether the byte is a member.
std::size_t scan_class(std::string_view pattern, std::size_t start, const char* byte,
                       bool* member, std::string* reason) {
  std::size_t at = start + 1;
  bool negated = false;
  if (at < pattern.size() && (pattern[at] == '!' || pattern[at] == '^')) {
    negated = true;
    ++at;
  }
  bool found = false;
  bool first = true;
  while (at < pattern.size() && (pattern[at] != ']' || first)) {
    first = false;
    if (pattern[at] == '\\' && ++at == pattern.size()) break;
    const unsigned char low = static_cast<unsigned char>(pattern[at]);
    unsigned char high = low;
    ++at;
    if (at + 1 < pattern.size() && pattern[at] == '-' && pattern[at + 1] != ']') {
      at += 1;
      if (pattern[at] == '\\' && ++at == pattern.size()) break;
      high = static_cast<unsigned char>(pattern[at]);
      ++at;
      if (high < low) {
        if (reason != nullptr) *reason = "reversed range in character class";
        return kInvalid;
      }
    }
    if (byte != nullptr) {
      const unsigned char value = static_cast<unsigned char>(*byte);
      found = found || (value >= low && value <= high);
    }
  }
  if (at >= pattern.size()) {
    if (reason != nullptr) *reason = "unterminated character class or trailing backslash";
    return kInvalid;
  }
  if (member != nullptr) *member = found != negated;
  return at + 1;
}

// Match one pattern element at `at` against `byte`; on success store the
// index after the element in `next`.
bool match_element(std::string_view pattern, std::size_t at, char byte, std::size_t& next) {
  const char element = pattern[at];
  if (element == '?') {
    next = at + 1;
    return true;
  }
  if (element == '[') {
    bool member = false;
    next = scan_class(pattern, at, &byte, &member, nullptr);
    return member;
  }
  if (element == '\\') {
    next = at + 2;
    return pattern[at + 1] == byte;
  }
  next = at + 1;
  return element == byte;
}

}  // namespace

std::string check_wildcard(std::string_view pattern) {
  if (pattern.find('\0') != std::string_view::npos) return "NUL byte";
  std::string reason;
  for (std::size_t at = 0; at < pattern.size();) {
    const char c = pattern[at];
    if (c == '\\') {
      if (at + 1 == pattern.size()) return "trailing backslash";
      at += 2;
    } else if (c == '[') {
      at = scan_class(pattern, at, nullptr, nullptr, &reason);
      if (at == kInvalid) return reason;
    } else {
      ++at;
    }
  }
  return {};
}

bool wildcard_matches(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star_pattern = kInvalid;  // pattern index after the last '*'
  std::size_t star_text = 0;            // text index that '*' currently ends at
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      star_pattern = p;
      star_text = t;
      continue;
    }
    std::size_t next = 0;
    if (p < pattern.size() && match_element(pattern, p, text[t], next)) {
      p = next;
      ++t;
      continue;
    }
    if (star_pattern == kInvalid) return false;
    // Let the last '*' absorb one more byte and retry from there.
    p = star_pattern;
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace nucleus::policy::command
