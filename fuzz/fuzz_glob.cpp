// libFuzzer target for glob compilation, matching and path normalization.
// Input: pattern, then '\n', then path. Beyond "no crash", it checks that
// canonical text round-trips, matching is deterministic, normalized paths
// are canonical, and an escaped literal pattern matches exactly its path.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "policy/glob.h"

namespace {

using nucleus::policy::Glob;
using nucleus::policy::normalize_path;

constexpr std::string_view kBase = "/base/dir";

void check(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\n", invariant);
  std::abort();
}

std::string escape_literal(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool is_canonical_path(const std::string& path) {
  const std::string padded = path + "/";
  return path.starts_with('/') && path.find("//") == std::string::npos &&
         padded.find("/./") == std::string::npos && padded.find("/../") == std::string::npos &&
         (path == "/" || !path.ends_with('/'));
}

std::optional<std::string> checked_normalize(std::string_view path) {
  auto normalized = normalize_path(path, kBase);
  const bool valid_input = !path.empty() && path.find('\0') == std::string_view::npos;
  check(normalized.has_value() == valid_input, "normalize_path accepts exactly non-empty, NUL-free");
  if (!normalized) return std::nullopt;
  check(is_canonical_path(*normalized), "normalize_path output is canonical");
  check(normalize_path(*normalized, "/elsewhere") == normalized, "normalize_path is idempotent");
  return normalized;
}

void check_pattern(std::string_view pattern, const std::optional<std::string>& path) {
  std::string error;
  const auto glob = Glob::compile(pattern, kBase, &error);
  if (!glob) {
    check(error.starts_with("invalid glob"), "compile errors start with \"invalid glob\"");
    return;
  }
  const std::string& text = glob->text();
  check(text.starts_with('/') || text.starts_with("**"), "text() is absolute or any-depth");

  const auto again = Glob::compile(text, "/elsewhere", &error);
  check(again.has_value(), "text() compiles again");
  check(again->text() == text, "text() round-trips");
  if (!path) return;
  const bool matched = glob->matches(*path);
  check(glob->matches(*path) == matched, "matches() is deterministic");
  check(again->matches(*path) == matched, "recompiled text() matches the same paths");
}

void check_literal(const std::string& path, const std::optional<std::string>& other) {
  const auto literal = Glob::compile(escape_literal(path), "/", nullptr);
  check(literal.has_value(), "escaped normalized path compiles");
  check(literal->text() == escape_literal(path), "escaped path is its own canonical text");
  check(literal->matches(path), "escaped path matches itself");
  if (other) check(literal->matches(*other) == (*other == path), "literal matches only its path");

  const std::string subtree = path == "/" ? "/**" : escape_literal(path) + "/**";
  const auto below = Glob::compile(subtree, "/", nullptr);
  check(below.has_value() && below->matches(path), "dir/** matches dir");

  const auto everything = Glob::compile("**", "/", nullptr);
  check(everything->matches(path), "** matches every normalized path");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view pattern = input.substr(0, newline);
  const std::string_view raw_path =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  const auto path = checked_normalize(raw_path);
  check_pattern(pattern, path);
  if (path) check_literal(*path, checked_normalize(pattern));
  return 0;
}
