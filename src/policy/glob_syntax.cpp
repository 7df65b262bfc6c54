// Glob pattern parsing, lexical resolution and canonical rendering.
#include "policy/glob_syntax.h"

#include <optional>
#include <span>
#include <utility>

#include "policy/glob.h"

namespace nucleus::policy::glob_syntax {

Char next_char(std::string_view text, std::size_t& pos) {
  const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte_at(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }

  std::size_t length = 0;
  Char value = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0Fu;
    if (lead == 0xE0) second_min = 0xA0;  // overlong
    if (lead == 0xED) second_max = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07u;
    if (lead == 0xF0) second_min = 0x90;  // overlong
    if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
  }

  const Char invalid = kInvalidByte + lead;
  if (length == 0 || pos + length > text.size()) {
    ++pos;
    return invalid;
  }

  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte_at(pos + i);
    const unsigned char min = i == 1 ? second_min : 0x80;
    const unsigned char max = i == 1 ? second_max : 0xBF;
    if (next < min || next > max) {
      ++pos;
      return invalid;
    }
    value = (value << 6) | (next & 0x3Fu);
  }
  pos += length;
  return value;
}

namespace {

void append_char(Char c, std::string& out) {
  if (c >= kInvalidByte) {
    out.push_back(static_cast<char>(c - kInvalidByte));
  } else if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// A pattern character after backslash processing. Escaped characters are
// always literal.
struct Lexeme {
  Char ch = 0;
  bool escaped = false;
  bool is(char c) const { return !escaped && ch == static_cast<unsigned char>(c); }
};

// Quotes a pattern for an error message. Control bytes are shown as \xNN
// so that the message stays on one line.
std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

Error glob_error(std::string_view pattern, std::string_view problem) {
  return make_error("invalid glob " + quoted(pattern) + ": " + std::string(problem));
}

Result<std::vector<Lexeme>> lex(std::string_view pattern) {
  std::vector<Lexeme> lexemes;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const Char c = next_char(pattern, pos);
    if (c != '\\') {
      lexemes.push_back({c, false});
      continue;
    }
    if (pos == pattern.size()) {
      return glob_error(pattern, "trailing backslash (write \\\\ for a literal backslash)");
    }
    lexemes.push_back({next_char(pattern, pos), true});
  }
  return lexemes;
}

// Parses the class that starts at seg[pos] == '['. POSIX rules: a leading
// '!' or '^' negates, a ']' right after that is a member, and '-' between
// two members forms a range by code point.
Result<Token> parse_class(std::string_view pattern, std::span<const Lexeme> seg,
                          std::size_t& pos) {
  Token token;
  token.kind = Token::Kind::char_class;
  ++pos;
  if (pos < seg.size() && (seg[pos].is('!') || seg[pos].is('^'))) {
    token.negated = true;
    ++pos;
  }
  for (bool first = true;; first = false) {
    if (pos >= seg.size()) {
      return glob_error(pattern,
                        "unterminated character class (a class ends with ']' and "
                        "cannot contain '/')");
    }
    if (seg[pos].is(']') && !first) {
      ++pos;
      return token;
    }
    ClassRange range{seg[pos].ch, seg[pos].ch};
    ++pos;
    if (pos + 1 < seg.size() && seg[pos].is('-') && !seg[pos + 1].is(']')) {
      range.last = seg[pos + 1].ch;
      pos += 2;
      if (range.last < range.first) {
        std::string text;
        append_char(range.first, text);
        text += '-';
        append_char(range.last, text);
        return glob_error(pattern, "character class range " + quoted(text) +
                                       " is reversed (write the lower end first)");
      }
    }
    token.ranges.push_back(range);
  }
}

Result<Segment> parse_segment(std::string_view pattern, std::span<const Lexeme> seg) {
  Segment segment;
  bool only_stars = true;
  for (const Lexeme& lexeme : seg) only_stars = only_stars && lexeme.is('*');
  if (only_stars && seg.size() >= 2) {
    segment.globstar = true;
    return segment;
  }
  std::size_t pos = 0;
  while (pos < seg.size()) {
    const Lexeme& lexeme = seg[pos];
    Token token;
    if (lexeme.is('*')) {
      ++pos;
      // "**" inside a segment means the same as "*".
      if (!segment.tokens.empty() && segment.tokens.back().kind == Token::Kind::any_run) continue;
      token.kind = Token::Kind::any_run;
    } else if (lexeme.is('?')) {
      ++pos;
      token.kind = Token::Kind::any_char;
    } else if (lexeme.is('[')) {
      auto parsed = parse_class(pattern, seg, pos);
      if (!parsed) return Error{parsed.error()};
      token = std::move(parsed).value();
    } else {
      ++pos;
      token.ch = lexeme.ch;
    }
    segment.tokens.push_back(std::move(token));
  }
  return segment;
}

bool is_literal(const Segment& segment) {
  if (segment.globstar) return false;
  for (const Token& token : segment.tokens) {
    if (token.kind != Token::Kind::literal) return false;
  }
  return true;
}

bool is_dots(const Segment& segment, std::size_t count) {
  if (!is_literal(segment) || segment.tokens.size() != count) return false;
  for (const Token& token : segment.tokens) {
    if (token.ch != '.') return false;
  }
  return true;
}

Segment literal_segment(std::string_view name) {
  Segment segment;
  std::size_t pos = 0;
  while (pos < name.size()) {
    Token token;
    token.ch = next_char(name, pos);
    segment.tokens.push_back(std::move(token));
  }
  return segment;
}

// Appends one parsed segment to the resolved list, applying the lexical
// rules: "." disappears, ".." removes the literal segment before it (or
// nothing at the root), and repeated "**" collapse into one.
std::optional<Error> append_resolved(std::string_view pattern, Segment segment,
                                     std::vector<Segment>& resolved) {
  if (is_dots(segment, 1)) return std::nullopt;
  if (is_dots(segment, 2)) {
    if (resolved.empty()) return std::nullopt;
    if (!is_literal(resolved.back())) {
      // "*/.." and "**/.." name no fixed directory, so there is no
      // literal segment for ".." to remove.
      return glob_error(pattern, "\"..\" follows a wildcard segment; remove both");
    }
    resolved.pop_back();
    return std::nullopt;
  }
  if (segment.globstar && !resolved.empty() && resolved.back().globstar) return std::nullopt;
  resolved.push_back(std::move(segment));
  return std::nullopt;
}

Result<std::vector<Segment>> base_segments(std::string_view pattern, std::string_view base_dir) {
  const auto base = base_dir.starts_with('/') ? normalize_path(base_dir, "/") : std::nullopt;
  if (!base) {
    return glob_error(pattern, "relative pattern needs an absolute base directory, got " +
                                   quoted(base_dir));
  }
  std::vector<Segment> segments;
  std::size_t pos = 1;
  while (pos < base->size()) {
    std::size_t end = base->find('/', pos);
    if (end == std::string::npos) end = base->size();
    segments.push_back(literal_segment(std::string_view(*base).substr(pos, end - pos)));
    pos = end + 1;
  }
  return segments;
}

void append_class_member(Char c, std::string& out) {
  if (c == '\\' || c == ']' || c == '-' || c == '!' || c == '^') out += '\\';
  append_char(c, out);
}

void append_token(const Token& token, std::string& out) {
  switch (token.kind) {
    case Token::Kind::any_run:
      out += '*';
      return;
    case Token::Kind::any_char:
      out += '?';
      return;
    case Token::Kind::literal:
      if (token.ch == '*' || token.ch == '?' || token.ch == '[' || token.ch == '\\') out += '\\';
      append_char(token.ch, out);
      return;
    case Token::Kind::char_class:
      out += token.negated ? "[!" : "[";
      for (const ClassRange& range : token.ranges) {
        append_class_member(range.first, out);
        if (range.last != range.first) {
          out += '-';
          append_class_member(range.last, out);
        }
      }
      out += ']';
      return;
  }
}

std::vector<std::span<const Lexeme>> split_segments(std::span<const Lexeme> lexemes) {
  std::vector<std::span<const Lexeme>> parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= lexemes.size(); ++i) {
    // An escaped '/' is still a separator: no path segment contains '/'.
    if (i < lexemes.size() && lexemes[i].ch != '/') continue;
    if (i > begin) parts.push_back(lexemes.subspan(begin, i - begin));
    begin = i + 1;
  }
  return parts;
}

}  // namespace

Result<std::vector<Segment>> parse_pattern(std::string_view pattern, std::string_view base_dir) {
  if (pattern.empty()) return make_error("invalid glob: the pattern is empty");
  if (pattern.find('\0') != std::string_view::npos) {
    return glob_error(pattern, "contains a NUL byte");
  }
  auto lexed = lex(pattern);
  if (!lexed) return Error{lexed.error()};
  const std::vector<Lexeme>& lexemes = *lexed;

  const auto parts = split_segments(lexemes);
  if (!parts.empty() && lexemes.back().ch == '/') {
    // Dropping the '/' silently would turn a blocked "/secrets/" into a
    // rule for the directory entry alone, leaving its files readable.
    return glob_error(pattern,
                      "ends with '/'; remove it to match the directory itself, or end with "
                      "\"/**\" to match the directory and everything below it");
  }
  const bool any_depth = lexemes.size() >= 2 && lexemes[0].is('*') && lexemes[1].is('*');
  const bool absolute = lexemes.front().ch == '/';

  std::vector<Segment> resolved;
  if (any_depth) {
    Segment globstar;
    globstar.globstar = true;
    resolved.push_back(std::move(globstar));
  } else if (!absolute) {
    auto base = base_segments(pattern, base_dir);
    if (!base) return Error{base.error()};
    resolved = std::move(base).value();
  }
  for (const auto& part : parts) {
    auto segment = parse_segment(pattern, part);
    if (!segment) return Error{segment.error()};
    auto error = append_resolved(pattern, std::move(segment).value(), resolved);
    if (error) return *std::move(error);
  }
  return resolved;
}

std::string render_pattern(const std::vector<Segment>& segments) {
  if (segments.empty()) return "/";
  std::string out;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0 || !segments[i].globstar) out += '/';
    if (segments[i].globstar) {
      out += "**";
      continue;
    }
    for (const Token& token : segments[i].tokens) append_token(token, out);
  }
  return out;
}

}  // namespace nucleus::policy::glob_syntax
