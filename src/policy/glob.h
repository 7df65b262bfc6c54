// Glob patterns over normalized absolute paths, and lexical path
// normalization. Pure functions: no file system access.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nucleus::policy {

// Syntax, matched against a normalized absolute path such as "/a/b/c":
//   *        any run of characters within one segment (never '/')
//   ?        exactly one character (one UTF-8 code point), never '/'
//   [abc] [a-z] [!a-z] [^a-z]   one character from (or not from) a class
//   **       as a whole segment: zero or more segments. "**/x" matches x at
//            any depth including the root ("/x"); "/a/**" matches "/a" itself
//            and everything below it.
//   \c       the character c literally
// '*' and '?' match a leading dot, so "**/*.pem" matches "/k/.x.pem".
// Matching runs in O(len(pattern) * len(path)) time and never backtracks
// exponentially.
class GlobPath;

class Glob {
 public:
  // Compile a pattern. An absolute pattern starts with '/'. A pattern that
  // starts with "**" matches at any depth, so "**.pem" means "**/*.pem".
  // Any other relative pattern is resolved against `base_dir` (an absolute,
  // normalized directory).
  // The result is then normalized like a path. Repeated '/' and "."
  // segments go, and ".." removes the literal segment before it (nothing at
  // the root), so "/a/b/../c" becomes "/a/c".
  // Returns nullopt with `error` set for an empty pattern, a NUL byte, an
  // unterminated character class or a trailing backslash, and also for:
  //   - ".." right after a wildcard segment ("*/..", "**/.."), because no
  //     fixed directory exists for it to remove.
  //   - a trailing '/', so that a blocked "/secrets/" cannot silently mean
  //     the directory entry alone ("/secrets/**" covers its contents).
  //   - a reversed class range such as "[z-a]".
  //   - a class that contains '/', which could never match in a segment.
  static std::optional<Glob> compile(std::string_view pattern,
                                     std::string_view base_dir,
                                     std::string* error);

  // True when `normalized_path` (output of normalize_path) matches.
  bool matches(std::string_view normalized_path) const;

  // The same, for a path decoded once and matched against many globs.
  bool matches(const GlobPath& path) const;

  // The pattern after resolution against base_dir, as written back in
  // policy output and used for ordering and equality. Canonical: "/" for the
  // root, "**/rest" for any-depth patterns (also written "/**/rest"), runs of
  // '*' inside a segment as one '*', a segment of only '*'s as "**", '^'
  // negation as '!', and backslashes only before characters that need them.
  // Compiling text() again, with any base_dir, gives an equal Glob.
  const std::string& text() const { return text_; }

  friend bool operator==(const Glob& a, const Glob& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const Glob& a, const Glob& b) { return a.text_ <=> b.text_; }

 private:
  // Per-segment matchers, defined in glob.cpp. Immutable once built, so
  // copies of a Glob share them safely across threads.
  struct Compiled;

  Glob(std::string text, std::shared_ptr<const Compiled> compiled)
      : text_(std::move(text)), compiled_(std::move(compiled)) {}
  std::string text_;
  std::shared_ptr<const Compiled> compiled_;
};

// A normalized path decoded into code points and segments once, so that
// checking it against many globs does not decode it again for each.
class GlobPath {
 public:
  // Precondition: `normalized_path` is output of normalize_path. Other
  // input (relative, NUL bytes) yields a path that no glob matches.
  explicit GlobPath(std::string_view normalized_path);
  ~GlobPath();
  GlobPath(GlobPath&&) noexcept;
  GlobPath& operator=(GlobPath&&) noexcept;

 private:
  friend class Glob;
  struct Decoded;
  std::unique_ptr<Decoded> decoded_;
};

// Normalize `path` lexically: relative paths are resolved against `base_dir`
// (absolute, normalized), repeated '/' and "." segments are removed, ".."
// removes one segment but never climbs above "/", and a trailing '/' is
// dropped (except for "/" itself). Returns nullopt for an empty path or one
// containing a NUL byte, and for a relative path when base_dir is not
// absolute or contains a NUL byte. Does not touch the file system and does not follow
// symlinks: kernel-side confinement (openat2 RESOLVE_BENEATH) is the tool
// proxy's job.
std::optional<std::string> normalize_path(std::string_view path,
                                          std::string_view base_dir);

}  // namespace nucleus::policy

namespace nucleus::policy {

// The glob for `directory` (absolute, normalized) and everything below it.
// Glob metacharacters in the directory name are escaped, so a work dir
// named "/src[1]" matches itself literally.
Glob subtree_glob(std::string_view directory);

}  // namespace nucleus::policy
