// Programs that run command lines or commands of their own: shells given
// "-c STRING", and find with -exec, -execdir, -ok and -okdir.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

#include "policy/shell_analyzer.h"
#include "policy/shell_options.h"

namespace nucleus::policy::shell {
namespace {

// bash's long options that take no argument; --rcfile and --init-file
// take a file name. Any other long option is rejected, because the policy
// cannot tell whether it takes the next word.
constexpr std::string_view kShellLongFlags[] = {
    "login", "norc", "noprofile", "posix", "restricted", "verbose", "version", "help",
    "noediting", "debugger", "dump-strings", "dump-po-strings", "pretty-print", "protected",
};

bool is_known_flag(std::string_view name) {
  return std::find(std::begin(kShellLongFlags), std::end(kShellLongFlags), name) !=
         std::end(kShellLongFlags);
}

// Single-letter options that take the next word as their argument: -o and
// bash's -O everywhere, ksh93's -R file and mksh's -T tty.
bool takes_argument(std::string_view shell, char option) {
  if (option == 'o' || option == 'O') return true;
  return (shell == "ksh" && option == 'R') || (shell == "mksh" && option == 'T');
}

struct ShellScan {
  std::size_t operands = 0;
  bool command_mode = false;  // -c was given
};

// Scan a POSIX shell's options. Letters other than -c, -k and the ones
// that take an argument are flags.
Result<ShellScan> scan_shell_options(std::string_view shell, std::span<const Word> words) {
  ShellScan scan;
  std::size_t index = 1;
  while (index < words.size()) {
    const Word& word = words[index];
    const std::string& text = word.text;
    if (word.expands && could_be_option(word)) {
      if (!scan.command_mode) return *require_literal(shell, word);
      return make_error(std::string(shell) + " command string " + quote(text) +
                        " contains an expansion: the policy cannot see what it runs");
    }
    if (text == "--" || text == "-") {
      ++index;
      break;
    }
    if (text.size() < 2 || (text[0] != '-' && text[0] != '+')) break;
    std::size_t used = 1;
    if (text.starts_with("--")) {
      const std::string name = text.substr(2, text.find('=') - 2);
      const bool file_option = name == "rcfile" || name == "init-file";
      if (!file_option && !is_known_flag(name)) {
        return make_error(std::string(shell) + " option " + quote(text) +
                          " is not known to the policy, so it cannot tell what the shell runs");
      }
      if (file_option && text.find('=') == std::string::npos) used = 2;
    } else {
      for (std::size_t at = 1; at < text.size(); ++at) {
        const char option = text[at];
        if (option == 'c') scan.command_mode = true;
        if (option == 'k') {
          return make_error(std::string(shell) + " option " + quote(text) +
                            " is not allowed: -k turns NAME=value arguments into environment "
                            "assignments");
        }
        if (takes_argument(shell, option)) {
          if (at + 1 == text.size()) used = 2;
          break;
        }
      }
    }
    if (used == 2) {
      if (index + 1 >= words.size()) {
        return make_error(std::string(shell) + " option " + quote(text) + " needs an argument");
      }
      if (auto failure = require_literal(shell, words[index + 1])) return *failure;
    }
    index += used;
  }
  scan.operands = index;
  return scan;
}

constexpr OptionSpec kFishOptions[] = {
    {'c', "command", OptionArgument::required, OptionEffect::plain, {}},
    {'C', "init-command", OptionArgument::required, OptionEffect::plain, {}},
    {'d', "debug", OptionArgument::required, OptionEffect::plain, {}},
    {'o', "debug-output", OptionArgument::required, OptionEffect::plain, {}},
    {'f', "features", OptionArgument::required, OptionEffect::plain, {}},
    {'p', "profile", OptionArgument::required, OptionEffect::plain, {}},
    {0, "profile-startup", OptionArgument::required, OptionEffect::plain, {}},
    {'i', "interactive", OptionArgument::none, OptionEffect::plain, {}},
    {'l', "login", OptionArgument::none, OptionEffect::plain, {}},
    {'n', "no-execute", OptionArgument::none, OptionEffect::plain, {}},
    {'N', "no-config", OptionArgument::none, OptionEffect::plain, {}},
    {'P', "private", OptionArgument::none, OptionEffect::plain, {}},
    {0, "print-rusage-self", OptionArgument::none, OptionEffect::plain, {}},
    {0, "print-debug-categories", OptionArgument::none, OptionEffect::prints_only, {}},
    {'v', "version", OptionArgument::none, OptionEffect::prints_only, {}},
    {'h', "help", OptionArgument::none, OptionEffect::prints_only, {}},
};

bool is_exec_action(std::string_view text) {
  return text == "-exec" || text == "-execdir" || text == "-ok" || text == "-okdir";
}

// Index of the word that ends the -exec command starting at `first`: ";",
// or "+" right after "{}" (GNU find treats any other "+" as an argument).
std::size_t find_exec_end(std::span<const Word> words, std::size_t first, bool& plus) {
  for (std::size_t index = first; index < words.size(); ++index) {
    const std::string& text = words[index].text;
    if (text == ";") {
      plus = false;
      return index;
    }
    if (text == "+" && index > first && words[index - 1].text == "{}") {
      plus = true;
      return index;
    }
  }
  return words.size();
}

}  // namespace

Failure Analyzer::analyze_command_string(std::string_view program, const Word& command,
                                         Dialect dialect, const Context& context) {
  if (command.expands) {
    return make_error(std::string(program) + " command string " + quote(command.text) +
                      " contains an expansion: the policy cannot see what it runs");
  }
  // Arguments appended after the string become $0, $1 ... and do not
  // change how the string parses.
  Context inner = context.nested();
  inner.dialect = dialect;
  inner.appended_by.clear();
  return analyze_line(command.text, inner);
}

Failure Analyzer::unwrap_posix_shell(std::span<const Word> words, const Context& context) {
  // A copy: analyzing the command string adds invocations.
  const std::string shell = result_.invocations.back().program;
  auto scan = scan_shell_options(shell, words);
  if (!scan) return make_error(scan.error());
  if (scan->command_mode) {
    if (scan->operands >= words.size()) {
      return make_error(shell + " -c needs a command string: without one the policy cannot "
                        "see what it runs");
    }
    return analyze_command_string(shell, words[scan->operands], Dialect::posix, context);
  }
  // A script file, or commands read from standard input: the shell
  // invocation itself is what the rules decide on. Appended arguments could
  // still supply "-c STRING" when no script name is written.
  if (scan->operands >= words.size()) return run_inner(shell, words, words.size(), context);
  return std::nullopt;
}

Failure Analyzer::unwrap_fish(std::span<const Word> words, const Context& context) {
  auto scan = scan_options("fish", words, 1, {kFishOptions});
  if (!scan) return make_error(scan.error());
  if (scan->prints_only) return std::nullopt;
  bool has_command = false;
  for (const FoundOption& option : scan->options) {
    const char name = option.spec->short_name;
    if (name != 'c' && name != 'C') continue;
    has_command = true;
    Word command;
    command.text = option.value;
    command.literal_prefix = command.unquoted_prefix = command.text.size();
    if (auto failure = analyze_command_string("fish", command, Dialect::fish, context)) {
      return failure;
    }
  }
  if (!has_command && scan->operands >= words.size() && !context.appended_by.empty()) {
    return run_inner("fish", words, words.size(), context);
  }
  return std::nullopt;
}

Failure Analyzer::unwrap_find(std::span<const Word> words, const Context& context) {
  if (!context.appended_by.empty()) {
    return make_error("find gets more arguments from " + std::string(context.appended_by) +
                      " at run time, which could add -exec: the policy cannot allow that");
  }
  for (const Word& word : words.subspan(1)) {
    if (word.expands) {
      return make_error("find argument " + quote(word.text) +
                        " contains an expansion, which could add or end an -exec command: "
                        "quote patterns such as '*.txt' and write paths out");
    }
  }
  std::size_t index = 1;
  while (index < words.size()) {
    if (!is_exec_action(words[index].text)) {
      ++index;
      continue;
    }
    const std::string& action = words[index].text;
    bool plus = false;
    const std::size_t end = find_exec_end(words, index + 1, plus);
    if (end == words.size()) {
      return make_error("find " + action + " has no terminating \";\" or \"{} +\"");
    }
    if (end == index + 1) return make_error("find " + action + " has no command");
    std::vector<Word> inner(words.begin() + static_cast<std::ptrdiff_t>(index + 1),
                            words.begin() + static_cast<std::ptrdiff_t>(end));
    // find replaces "{}" with each path it finds.
    for (Word& word : inner) {
      const std::size_t at = word.text.find("{}");
      if (at == std::string::npos) continue;
      word.expands = true;
      word.literal_prefix = std::min(word.literal_prefix, at);
    }
    Context inner_context = context;
    if (plus) inner_context.appended_by = "find " + action + " {} +";
    if (auto failure = analyze_words(inner, inner_context.nested())) return failure;
    index = end + 1;
  }
  return std::nullopt;
}

}  // namespace nucleus::policy::shell
