// Glob pattern syntax: parsing pattern text into per-segment tokens and
// writing tokens back as canonical text. Internal to policy/glob.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nucleus::policy::glob_syntax {

// One decoded character: a Unicode code point, or kInvalidByte + b for a
// byte b that does not start a valid UTF-8 sequence. Each invalid byte is
// thus one character and never equals a code point.
using Char = std::uint32_t;
inline constexpr Char kInvalidByte = 0x110000;

// Decodes the character at text[pos] (pos < text.size()) and advances pos
// past it. Overlong forms, surrogates and values above U+10FFFF are
// invalid, so every byte string has exactly one decoding, and inserting an
// ASCII byte between two characters leaves the others decoding the same.
Char next_char(std::string_view text, std::size_t& pos);

struct ClassRange {
  Char first = 0;
  Char last = 0;
};

struct Token {
  enum class Kind { literal, any_char, any_run, char_class };
  Kind kind = Kind::literal;
  Char ch = 0;                     // literal
  bool negated = false;            // char_class
  std::vector<ClassRange> ranges;  // char_class
};

// One '/'-separated part of a pattern: "**" (zero or more path segments)
// or a sequence of tokens matched against exactly one path segment.
struct Segment {
  bool globstar = false;
  std::vector<Token> tokens;
};

// Parses `pattern` and resolves it against `base_dir` as Glob::compile
// documents. The error message quotes the pattern and names the fix.
Result<std::vector<Segment>> parse_pattern(std::string_view pattern, std::string_view base_dir);

// Canonical text: "/" for the root, "**/..." for a pattern that starts
// with "**" (a leading '/' adds nothing there), "/a/b" otherwise. Only
// '*', '?', '[' and '\\' are escaped outside classes.
std::string render_pattern(const std::vector<Segment>& segments);

}  // namespace nucleus::policy::glob_syntax
