// Allow and block rules for commands: an argv prefix ("git status") or a
// structured pattern (program plus one pattern per argument).
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/shell.h"

namespace nucleus::policy {

class CommandRule {
 public:
  // A prefix rule: the words of `text` (split like a shell line, one simple
  // command, no wrappers analysed) must equal the first words of the argv.
  // "git" matches every git invocation, "git push" every push. The program
  // word is compared by base name and must not contain '/'. Words compare
  // exactly after quote removal: "$X" or "*" in a rule only matches those
  // characters written literally. Fails for empty text, text that does not
  // parse (NUL bytes, substitutions, unterminated quotes), more than one
  // command, "!", assignments and redirections.
  static Result<CommandRule> prefix(std::string_view text);

  // A structured rule: `program` (a base name) and one wildcard pattern per
  // argument (* ? and [classes], where '*' also matches '/'; \c escapes c).
  // A final "*" on its own means "any remaining arguments, including none";
  // without it the argument count must match exactly. A "*" elsewhere
  // matches exactly one argument; to end with exactly one non-empty
  // argument of any value, write "?*". Fails for an empty program, one with
  // '/', NUL, spaces, quotes or shell operators, and for malformed patterns
  // (unterminated class, reversed range, trailing backslash, NUL).
  static Result<CommandRule> structured(std::string_view program,
                                        const std::vector<std::string>& args);

  // True when invocation.program equals the rule's program and argv[1..]
  // fits the words or patterns. argv[0] is not compared because
  // invocation.program already contains its base name.
  bool matches(const Invocation& invocation) const;

  // Canonical text used in reasons, output, ordering and equality:
  // "git push" for a prefix rule, "git [push, *]" for a structured one.
  // Prefix words that need it are shell-quoted ('a b'), so prefix(text())
  // gives an equal rule and no prefix text contains an unquoted '['.
  // Structured patterns that are empty or contain ',', '"', '\' or
  // whitespace are written in double quotes with '"' and '\' escaped, so
  // different rules never share a text.
  const std::string& text() const { return text_; }

  friend bool operator==(const CommandRule& a, const CommandRule& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const CommandRule& a, const CommandRule& b) { return a.text_ <=> b.text_; }

 private:
  CommandRule() = default;
  std::string text_;
  std::string program_;
  std::vector<std::string> args_;
  bool prefix_ = false;     // true: args_ are literal words, any rest allowed
  bool any_rest_ = false;   // structured rule ending in "*"
};

}  // namespace nucleus::policy
