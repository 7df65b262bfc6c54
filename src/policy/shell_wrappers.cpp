// Wrappers that run the command after their options: env, nice, timeout,
// nohup, stdbuf, xargs, busybox, and the shell's exec, command, builtin and
// time. The option tables follow GNU coreutils 9, findutils 4.9, GNU time
// 1.9 and bash 5.2, plus the fish and zsh forms of the same keywords.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "policy/shell_analyzer.h"
#include "policy/shell_options.h"
#include "policy/shell_variables.h"

namespace nucleus::policy::shell {
namespace {

using enum OptionArgument;
using enum OptionEffect;

constexpr OptionSpec kHelp{0, "help", none, prints_only, {}};
constexpr OptionSpec kVersion{0, "version", none, prints_only, {}};

constexpr OptionSpec kEnvOptions[] = {
    {'i', "ignore-environment", none, plain, {}},
    {'0', "null", none, plain, {}},
    {'u', "unset", required, plain, {}},
    {'C', "chdir", required, plain, {}},
    {'S', "split-string", required, rejected,
     "it splits a string into a command line, which the policy cannot check"},
    {'v', "debug", none, plain, {}},
    {0, "block-signal", optional, plain, {}},
    {0, "default-signal", optional, plain, {}},
    {0, "ignore-signal", optional, plain, {}},
    {0, "list-signal-handling", none, plain, {}},
    kHelp,
    kVersion,
};

constexpr OptionSpec kNiceOptions[] = {
    {'n', "adjustment", required, plain, {}}, kHelp, kVersion};

constexpr OptionSpec kTimeoutOptions[] = {
    {'k', "kill-after", required, plain, {}},
    {'s', "signal", required, plain, {}},
    {'v', "verbose", none, plain, {}},
    {0, "preserve-status", none, plain, {}},
    {0, "foreground", none, plain, {}},
    kHelp,
    kVersion,
};

constexpr OptionSpec kXargsOptions[] = {
    {'0', "null", none, plain, {}},
    {'a', "arg-file", required, plain, {}},
    {'d', "delimiter", required, plain, {}},
    {'E', {}, required, plain, {}},
    {'e', "eof", optional, plain, {}},
    {'I', {}, required, plain, {}},
    {'i', "replace", optional, plain, {}},
    {'L', {}, required, plain, {}},
    {'l', "max-lines", optional, plain, {}},
    {'n', "max-args", required, plain, {}},
    {'o', "open-tty", none, plain, {}},
    {'p', "interactive", none, plain, {}},
    {'P', "max-procs", required, plain, {}},
    {'r', "no-run-if-empty", none, plain, {}},
    {'s', "max-chars", required, plain, {}},
    {'t', "verbose", none, plain, {}},
    {'x', "exit", none, plain, {}},
    {0, "process-slot-var", required, plain, {}},
    {0, "show-limits", none, plain, {}},
    kHelp,
    kVersion,
};

constexpr OptionSpec kNohupOptions[] = {kHelp, kVersion};

constexpr OptionSpec kStdbufOptions[] = {
    {'i', "input", required, plain, {}},
    {'o', "output", required, plain, {}},
    {'e', "error", required, plain, {}},
    kHelp,
    kVersion,
};

// bash: exec [-cl] [-a name] [command].
constexpr OptionSpec kExecOptions[] = {
    {'c', {}, none, plain, {}},
    {'l', {}, none, plain, {}},
    {'a', {}, required, plain, {}},
};

// bash's -p, -v and -V, and fish's --search, --query and --all. Every one
// but -p only prints where a program is.
constexpr OptionSpec kCommandOptions[] = {
    {'p', {}, none, plain, {}},
    {'v', {}, none, prints_only, {}},
    {'V', {}, none, prints_only, {}},
    {'s', "search", none, prints_only, {}},
    {'q', "query", none, prints_only, {}},
    {'a', "all", none, prints_only, {}},
};

// fish's builtin -n lists builtins; bash's builtin has no options.
constexpr OptionSpec kBuiltinOptions[] = {
    {'n', "names", none, prints_only, {}},
    {'q', "query", none, prints_only, {}},
};

// bash's time keyword takes -p; /usr/bin/time (GNU time) takes the rest.
constexpr OptionSpec kTimeOptions[] = {
    {'p', "portability", none, plain, {}},
    {'a', "append", none, plain, {}},
    {'f', "format", required, plain, {}},
    {'o', "output", required, plain, {}},
    {'q', "quiet", none, plain, {}},
    {'v', "verbose", none, plain, {}},
    {'V', "version", none, prints_only, {}},
    kHelp,
};

OptionSyntax syntax_for(std::string_view program) {
  if (program == "nohup") return {kNohupOptions};
  if (program == "stdbuf") return {kStdbufOptions};
  if (program == "exec") return {kExecOptions, false, false};
  if (program == "command") return {kCommandOptions, true, false};
  if (program == "builtin") return {kBuiltinOptions, true, false};
  if (program == "time") return {kTimeOptions};
  return {};  // "!", zsh's noglob, nocorrect and "-", fish's and, or, not ...
}

}  // namespace

Failure Analyzer::unwrap_simple_options(std::string_view program, std::span<const Word> words,
                                        const Context& context) {
  const OptionSyntax syntax = syntax_for(program);
  if (syntax.specs.empty()) return run_inner(program, words, 1, context);
  auto scan = scan_options(program, words, 1, syntax);
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  return run_inner(program, words, scan->operands, context);
}

Failure Analyzer::unwrap_env(std::span<const Word> words, const Context& context) {
  auto scan = scan_options("env", words, 1, {kEnvOptions});
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  std::size_t index = scan->operands;
  // GNU env takes a lone "-" right after the options as -i.
  if (index < words.size() && words[index].text == "-" && !words[index].expands) ++index;
  for (; index < words.size(); ++index) {
    const Word& word = words[index];
    const std::size_t equals = word.text.find('=');
    // A value such as FOO="$BAR" stays one word; only the name must be
    // literal. Anything that could split or hide the '=' is rejected.
    const bool literal_name = equals < word.literal_prefix && !word.may_split;
    if (equals == std::string::npos || (word.expands && !literal_name)) {
      if (word.expands && equals != std::string::npos) return require_literal("env", word);
      break;
    }
    const std::string name = word.text.substr(0, equals);
    if (name.empty()) return make_error("env assignment " + quote(word.text) + " has no name");
    if (is_dangerous_variable(name)) return make_error(dangerous_variable_error(name, "env"));
  }
  return run_inner("env", words, index, context);
}

Failure Analyzer::unwrap_nice(std::span<const Word> words, const Context& context) {
  OptionSyntax syntax{kNiceOptions};
  syntax.numeric_options = true;
  auto scan = scan_options("nice", words, 1, syntax);
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  return run_inner("nice", words, scan->operands, context);
}

Failure Analyzer::unwrap_timeout(std::span<const Word> words, const Context& context) {
  auto scan = scan_options("timeout", words, 1, {kTimeoutOptions});
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  std::size_t index = scan->operands;
  if (index < words.size()) {
    if (auto failure = require_literal("timeout", words[index])) return failure;
    ++index;  // the duration
  }
  return run_inner("timeout", words, index, context);
}

Failure Analyzer::unwrap_xargs(std::span<const Word> words, const Context& context) {
  auto scan = scan_options("xargs", words, 1, {kXargsOptions});
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  std::optional<std::string> replace;
  for (const FoundOption& option : scan->options) {
    const std::string_view name = option.spec->long_name;
    if (option.spec->short_name == 'I' || name == "replace") {
      replace = option.has_value ? option.value : std::string("{}");
      if (replace->empty()) return make_error("xargs replacement string must not be empty");
    }
    if (name == "process-slot-var" && is_dangerous_variable(option.value)) {
      return make_error(dangerous_variable_error(option.value, "xargs --process-slot-var"));
    }
  }
  if (scan->operands >= words.size()) {
    if (!context.appended_by.empty()) return run_inner("xargs", words, words.size(), context);
    // With no command, xargs runs echo.
    Word echo;
    echo.text = "echo";
    echo.literal_prefix = echo.unquoted_prefix = echo.text.size();
    const std::vector<Word> inner = {echo};
    return analyze_words(inner, context.nested());
  }
  std::vector<Word> inner(words.begin() + static_cast<std::ptrdiff_t>(scan->operands), words.end());
  Context inner_context = context;
  if (replace) {
    // Input lines replace the string inside words: those words are only
    // known at run time. Nothing is appended.
    for (Word& word : inner) {
      const std::size_t at = word.text.find(*replace);
      if (at == std::string::npos) continue;
      word.expands = true;
      word.literal_prefix = std::min(word.literal_prefix, at);
    }
  } else {
    inner_context.appended_by = "xargs input";
  }
  return analyze_words(inner, inner_context.nested());
}

Failure Analyzer::unwrap_busybox(std::span<const Word> words, const Context& context) {
  // An expanding applet name is left to program_name(), which rejects it.
  if (words.size() > 1 && !words[1].expands && words[1].text.starts_with("-")) {
    return make_error("busybox option " + quote(words[1].text) +
                      " is not allowed: only \"busybox APPLET [ARGS]\" is supported");
  }
  return run_inner("busybox", words, 1, context);
}

}  // namespace nucleus::policy::shell
