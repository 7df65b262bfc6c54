// Grouping of lexer tokens into simple commands, private to the policy
// library. split_command_line() is the public view of the same parse;
// analyze_command() uses this one because it needs the facts that Word
// keeps about expansions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "policy/shell.h"
#include "policy/shell_lexer.h"

namespace nucleus::policy::shell {

struct ParsedRedirection {
  Redirection redirection;
  std::string op;  // as written, e.g. "2>>"
  Word target;     // the word after the operator, also for duplications
};

struct ParsedCommand {
  std::vector<std::pair<std::string, std::string>> assignments;
  std::vector<Word> words;
  std::vector<ParsedRedirection> redirections;
  bool negated = false;  // a leading "!" was dropped
};

// Reject a shell keyword, group brace or "[[" in command position. Quoting
// does not make them acceptable: a quoted keyword would only name a program
// that does not exist.
std::optional<Error> check_command_word(std::string_view text);

// Parse `line` as split_command_line() documents. Every returned command
// has at least one assignment, word or redirection.
Result<std::vector<ParsedCommand>> parse_command_line(std::string_view line, Dialect dialect);

}  // namespace nucleus::policy::shell
