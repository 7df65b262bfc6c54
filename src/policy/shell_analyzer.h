// The engine behind analyze_command(), private to the policy library. The
// Analyzer walks each simple command, records its invocation, and hands
// programs that run other programs (wrappers, shells, find, git, shell
// builtins) to the checks in shell_wrappers.cpp, shell_interpreters.cpp,
// shell_git.cpp and shell_builtins.cpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/shell.h"
#include "policy/shell_lexer.h"

namespace nucleus::policy::shell {

// Deepest wrapper nesting accepted: "env nice x" nests x two deep.
inline constexpr int kMaxNesting = 8;

using Failure = std::optional<Error>;

// The position of a command: nesting depth, dialect, and appended
// arguments. Wrappers pass a copy with `depth` one higher.
struct Context {
  int depth = 0;
  Dialect dialect = Dialect::posix;
  // The source of arguments appended at run time ("xargs input",
  // "find -exec {} +"), or empty. A wrapper that has not found its inner
  // program among the written words cannot be seen through.
  std::string appended_by;

  Context nested() const {
    Context inner = *this;
    ++inner.depth;
    return inner;
  }
};

class Analyzer {
 public:
  // Parse `line` and analyze each of its commands.
  Failure analyze_line(std::string_view line, const Context& context);

  // Record the invocation `words` and check or unwrap it by program.
  Failure analyze_words(std::span<const Word> words, const Context& context);

  CommandAnalysis take() && { return std::move(result_); }

 private:
  Failure dispatch(std::string_view program, std::span<const Word> words,
                   const Context& context);

  // Analyze words[inner..] as the program a wrapper runs. With nothing
  // there the wrapper runs nothing, unless arguments are appended later.
  Failure run_inner(std::string_view wrapper, std::span<const Word> words, std::size_t inner,
                    const Context& context);

  // shell_wrappers.cpp
  Failure unwrap_env(std::span<const Word> words, const Context& context);
  Failure unwrap_nice(std::span<const Word> words, const Context& context);
  Failure unwrap_timeout(std::span<const Word> words, const Context& context);
  Failure unwrap_simple_options(std::string_view program, std::span<const Word> words,
                                const Context& context);
  Failure unwrap_xargs(std::span<const Word> words, const Context& context);
  Failure unwrap_busybox(std::span<const Word> words, const Context& context);

  // shell_interpreters.cpp
  Failure unwrap_posix_shell(std::span<const Word> words, const Context& context);
  Failure unwrap_fish(std::span<const Word> words, const Context& context);
  Failure analyze_command_string(std::string_view program, const Word& command,
                                 Dialect dialect, const Context& context);
  Failure unwrap_find(std::span<const Word> words, const Context& context);

  // shell_builtins.cpp
  // Checks shell builtins that run code or set variables; other programs
  // pass unchanged.
  Failure check_builtin(std::string_view program, std::span<const Word> words,
                        const Context& context);
  Failure check_trap(std::span<const Word> words, const Context& context);

  CommandAnalysis result_;
};

// Checks that need no Analyzer state.

// The base name of a program word, or why it cannot be allowed ('$', glob
// characters, braces, an empty name, a name from xargs or find input).
Result<std::string> program_name(const Word& word);

// Reject words before a wrapper's inner program whose text is not final:
// their expansion could move where the inner command starts.
Failure require_literal(std::string_view program, const Word& word);

// Checks for git's global options, -c keys and subcommand arguments
// (shell_git.cpp).
Failure check_git(std::span<const Word> words, const Context& context);

// Checks for variable names set by shell builtins (shell_builtins.cpp).
Failure check_variable_operand(std::string_view builtin, const Word& word, bool may_assign);

std::string quote(std::string_view text);

}  // namespace nucleus::policy::shell
