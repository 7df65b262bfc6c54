// Glob matching and lexical path normalization.
#include "policy/glob.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "policy/glob_syntax.h"

namespace nucleus::policy {

namespace {

using glob_syntax::Char;
using glob_syntax::ClassRange;
using glob_syntax::Segment;
using glob_syntax::Token;

bool token_matches(const Token& token, Char c) {
  switch (token.kind) {
    case Token::Kind::literal:
      return token.ch == c;
    case Token::Kind::any_char:
      return true;
    case Token::Kind::any_run:
      return false;
    case Token::Kind::char_class:
      for (const ClassRange& range : token.ranges) {
        if (c >= range.first && c <= range.last) return !token.negated;
      }
      return token.negated;
  }
  return false;
}

// Matches one segment with the classic wildcard scan: on a mismatch, retry
// from the most recent '*' with one more character consumed. Earlier '*'s
// never need revisiting, so the cost is O(tokens * characters).
bool segment_matches(const Segment& segment, std::span<const Char> name) {
  const auto& tokens = segment.tokens;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t t = 0, c = 0, star = kNone, star_c = 0;
  while (c < name.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::Kind::any_run) {
      star = t++;
      star_c = c;
    } else if (t < tokens.size() && token_matches(tokens[t], name[c])) {
      ++t;
      ++c;
    } else if (star != kNone) {
      t = star + 1;
      c = ++star_c;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::Kind::any_run) ++t;
  return t == tokens.size();
}

struct DecodedPath {
  std::vector<Char> chars;
  std::vector<std::pair<std::size_t, std::size_t>> segments;  // [begin, end) in chars

  std::span<const Char> segment(std::size_t i) const {
    return std::span<const Char>(chars).subspan(segments[i].first,
                                                segments[i].second - segments[i].first);
  }
};

DecodedPath decode_path(std::string_view path) {
  DecodedPath decoded;
  decoded.chars.reserve(path.size());
  std::size_t pos = 0;
  std::size_t begin = 0;
  while (pos < path.size()) {
    const Char c = glob_syntax::next_char(path, pos);
    if (c != '/') {
      decoded.chars.push_back(c);
      continue;
    }
    if (decoded.chars.size() > begin) decoded.segments.emplace_back(begin, decoded.chars.size());
    begin = decoded.chars.size();
  }
  if (decoded.chars.size() > begin) decoded.segments.emplace_back(begin, decoded.chars.size());
  return decoded;
}

// The same scan as segment_matches, one level up: "**" plays the part of
// '*' and every other segment matches exactly one path segment.
bool path_matches(const std::vector<Segment>& pattern, const DecodedPath& path) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t p = 0, s = 0, star = kNone, star_s = 0;
  while (s < path.segments.size()) {
    if (p < pattern.size() && pattern[p].globstar) {
      star = p++;
      star_s = s;
    } else if (p < pattern.size() && segment_matches(pattern[p], path.segment(s))) {
      ++p;
      ++s;
    } else if (star != kNone) {
      p = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].globstar) ++p;
  return p == pattern.size();
}

// Literal characters that the last path segment must end with, taken from
// the end of the pattern's last segment ("**/*.pem" gives ".pem"). Checking
// them first rejects most paths without running the full scan.
std::vector<Char> required_suffix(const std::vector<Segment>& segments) {
  std::vector<Char> suffix;
  if (segments.empty() || segments.back().globstar) return suffix;
  const auto& tokens = segments.back().tokens;
  for (auto it = tokens.rbegin(); it != tokens.rend() && it->kind == Token::Kind::literal; ++it) {
    suffix.insert(suffix.begin(), it->ch);
  }
  return suffix;
}

bool ends_with(std::span<const Char> name, const std::vector<Char>& suffix) {
  if (suffix.size() > name.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), name.end() - static_cast<std::ptrdiff_t>(suffix.size()));
}

}  // namespace

struct GlobPath::Decoded {
  bool valid = false;
  DecodedPath path;
};

GlobPath::GlobPath(std::string_view normalized_path) : decoded_(std::make_unique<Decoded>()) {
  if (!normalized_path.starts_with('/') || normalized_path.find('\0') != std::string_view::npos) return;
  decoded_->valid = true;
  decoded_->path = decode_path(normalized_path);
}

GlobPath::~GlobPath() = default;
GlobPath::GlobPath(GlobPath&&) noexcept = default;
GlobPath& GlobPath::operator=(GlobPath&&) noexcept = default;

struct Glob::Compiled {
  std::vector<Segment> segments;
  std::vector<Char> suffix;  // required_suffix(segments)
};

std::optional<Glob> Glob::compile(std::string_view pattern, std::string_view base_dir,
                                  std::string* error) {
  auto segments = glob_syntax::parse_pattern(pattern, base_dir);
  if (!segments) {
    if (error != nullptr) *error = segments.error();
    return std::nullopt;
  }
  auto compiled = std::make_shared<Compiled>();
  compiled->segments = std::move(segments).value();
  compiled->suffix = required_suffix(compiled->segments);
  std::string text = glob_syntax::render_pattern(compiled->segments);
  return Glob(std::move(text), std::move(compiled));
}

bool Glob::matches(std::string_view normalized_path) const {
  // A moved-from Glob, a relative path or a NUL byte matches nothing.
  if (!compiled_ || !normalized_path.starts_with('/')) return false;
  if (normalized_path.find('\0') != std::string_view::npos) return false;
  return matches(GlobPath(normalized_path));
}

bool Glob::matches(const GlobPath& path) const {
  if (!compiled_ || !path.decoded_ || !path.decoded_->valid) return false;
  const DecodedPath& decoded = path.decoded_->path;
  if (!compiled_->suffix.empty()) {
    if (decoded.segments.empty() || !ends_with(decoded.segment(decoded.segments.size() - 1), compiled_->suffix)) {
      return false;
    }
  }
  return path_matches(compiled_->segments, decoded);
}

std::optional<std::string> normalize_path(std::string_view path, std::string_view base_dir) {
  if (path.empty() || path.find('\0') != std::string_view::npos) return std::nullopt;
  std::string joined;
  if (!path.starts_with('/')) {
    if (!base_dir.starts_with('/') || base_dir.find('\0') != std::string_view::npos) {
      return std::nullopt;
    }
    joined.reserve(base_dir.size() + 1 + path.size());
    joined.append(base_dir).append("/").append(path);
    path = joined;
  }

  std::string out;
  out.reserve(path.size());
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(pos, end - pos);
    pos = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      // At the root rfind finds nothing, so ".." stays at "/".
      const std::size_t last = out.rfind('/');
      if (last != std::string::npos) out.resize(last);
      continue;
    }
    out.append("/").append(segment);
  }
  if (out.empty()) out = "/";
  return out;
}

}  // namespace nucleus::policy

namespace nucleus::policy {

Glob subtree_glob(std::string_view directory) {
  std::string pattern;
  for (char c : directory) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') pattern += '\\';
    pattern += c;
  }
  if (pattern != "/") pattern += '/';
  pattern += "**";
  std::string error;
  auto glob = Glob::compile(pattern, "/", &error);
  // Escaping leaves no way for a normalized directory to fail compilation.
  if (!glob) throw std::logic_error("subtree glob for \"" + std::string(directory) + "\": " + error);
  return std::move(*glob);
}

}  // namespace nucleus::policy
