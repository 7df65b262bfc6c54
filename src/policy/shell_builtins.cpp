// Shell builtins that run code without naming a program (trap, alias,
// hash -p, let ...), or that set variables by name, which could set PATH or
// LD_PRELOAD without an assignment the parser sees. Bash evaluates an array
// subscript in such a name as arithmetic, and arithmetic can run commands,
// so names with '[' are rejected as well.
#include <algorithm>
#include <iterator>
#include <vector>

#include "policy/shell_analyzer.h"
#include "policy/shell_variables.h"

namespace nucleus::policy::shell {
namespace {

// Builtins rejected outright, with the reason.
struct RejectedBuiltin {
  std::string_view name;
  std::string_view reason;
};
constexpr RejectedBuiltin kRejectedBuiltins[] = {
    {"let", "it evaluates arithmetic, which can run commands through array subscripts"},
    {"integer", "integer variables evaluate arithmetic, which can run commands"},
    {"float", "float variables evaluate arithmetic, which can run commands"},
    {"nameref", "a name reference lets later assignments set any variable"},
    {"fc", "it runs commands from the shell history"},
    {"sched", "it runs a command later"},
    {"zpty", "it runs a command in a pseudo-terminal"},
    {"autoload", "it defines functions from files, which the policy cannot check"},
    {"zparseopts", "it sets the variables named in its option specs"},
};

constexpr std::string_view kDeclarations[] = {"declare", "typeset", "local", "export", "readonly"};

bool is_option_word(const Word& word) {
  const std::string& text = word.text;
  return text.size() > 1 && (text[0] == '-' || text[0] == '+') && text != "--";
}

// Index of the first operand: options end at "--" (skipped) or at the
// first word that is not an option. `argument_letters` take the rest of
// their word or the next word as argument; `on_option` receives each
// letter and its argument.
template <typename Visit>
std::size_t scan_letters(std::span<const Word> words, std::string_view argument_letters,
                         Visit on_option) {
  std::size_t index = 1;
  while (index < words.size()) {
    const Word& word = words[index];
    if (word.text == "--") return index + 1;
    if (!is_option_word(word)) return index;
    const std::string& text = word.text;
    std::size_t used = 1;
    for (std::size_t at = 1; at < text.size(); ++at) {
      const char letter = text[at];
      if (argument_letters.find(letter) == std::string_view::npos) {
        on_option(text[0], letter, static_cast<const Word*>(nullptr));
        continue;
      }
      if (at + 1 < text.size()) {
        Word rest = word;
        rest.text = text.substr(at + 1);
        on_option(text[0], letter, &rest);
      } else {
        on_option(text[0], letter, index + 1 < words.size() ? &words[index + 1] : nullptr);
        used = 2;
      }
      break;
    }
    index += used;
  }
  return words.size();
}

Failure first_failure(std::vector<Failure>& failures) {
  for (Failure& failure : failures) {
    if (failure) return std::move(failure);
  }
  return std::nullopt;
}

Failure builtin_error(std::string_view builtin, std::string_view subject, std::string_view reason) {
  return make_error(std::string(builtin) + " " + std::string(subject) +
                    " is not allowed: " + std::string(reason));
}

// declare, typeset, local, export, readonly: every operand names a
// variable, optionally with "=value".
Failure check_declaration(std::string_view builtin, std::span<const Word> words) {
  const bool declares_type = builtin == "declare" || builtin == "typeset" || builtin == "local";
  std::vector<Failure> failures;
  const std::size_t operands = scan_letters(words, "", [&](char sign, char letter, const Word*) {
    if (!declares_type || sign != '-') return;
    if (letter == 'n') {
      failures.push_back(builtin_error(builtin, "-n",
                                       "a name reference lets later assignments set any variable"));
    } else if (letter == 'i') {
      failures.push_back(builtin_error(builtin, "-i",
                                       "integer variables evaluate arithmetic, which can run "
                                       "commands"));
    }
  });
  if (auto failure = first_failure(failures)) return failure;
  for (const Word& word : words.subspan(operands)) {
    if (auto failure = check_variable_operand(builtin, word, true)) return failure;
  }
  return std::nullopt;
}

// Checks the names that options such as "read -a NAME" or "printf -v NAME"
// set, and rejects `rejected_letters`.
Failure check_named_options(std::string_view builtin, std::span<const Word> words,
                            std::string_view argument_letters, std::string_view name_letters,
                            std::string_view rejected_letters, std::size_t* operands) {
  std::vector<Failure> failures;
  const std::size_t first = scan_letters(words, argument_letters,
                                         [&](char, char letter, const Word* argument) {
    if (rejected_letters.find(letter) != std::string_view::npos) {
      failures.push_back(builtin_error(builtin, std::string("-") + letter,
                                       "it runs a command string"));
    } else if (name_letters.find(letter) != std::string_view::npos) {
      if (argument == nullptr) {
        failures.push_back(make_error(std::string(builtin) + " -" + letter + " needs a name"));
      } else {
        failures.push_back(check_variable_operand(builtin, *argument, false));
      }
    }
  });
  if (operands != nullptr) *operands = first;
  return first_failure(failures);
}

Failure check_name_operands(std::string_view builtin, std::span<const Word> words,
                            std::size_t first) {
  for (const Word& word : words.subspan(std::min(first, words.size()))) {
    if (auto failure = check_variable_operand(builtin, word, false)) return failure;
  }
  return std::nullopt;
}

// fish's read runs its --prompt and --right-prompt values as fish code.
Failure check_fish_read(std::span<const Word> words) {
  std::size_t index = 1;
  for (; index < words.size() && is_option_word(words[index]); ++index) {
    const std::string& text = words[index].text;
    const bool runs_code = text.starts_with("--prompt") && !text.starts_with("--prompt-str");
    const bool short_runs_code = !text.starts_with("--") &&
                                 text.find_first_of("pR") != std::string::npos;
    if (runs_code || text.starts_with("--right-prompt") || short_runs_code) {
      return builtin_error("read", quote(text), "fish runs the prompt as a command");
    }
    const bool takes_next = text == "-P" || text == "-c" || text == "-d" || text == "-n" ||
                            text == "--prompt-str" || text == "--command" ||
                            text == "--delimiter" || text == "--nchars";
    if (takes_next) ++index;
  }
  if (index < words.size() && words[index].text == "--") ++index;
  return check_name_operands("read", words, index);
}

// fish: set [options] NAME [VALUES...]
Failure check_fish_set(std::span<const Word> words) {
  std::size_t index = 1;
  while (index < words.size() && is_option_word(words[index])) ++index;
  if (index < words.size() && words[index].text == "--") ++index;
  if (index >= words.size()) return std::nullopt;
  Word name = words[index];
  const std::size_t bracket = name.text.find('[');
  if (bracket != std::string::npos) {
    // fish indexes are not arithmetic; only the name before them matters.
    name.text.resize(bracket);
    name.expands = name.literal_prefix < bracket;
    name.may_split = name.may_split && name.expands;
  }
  return check_variable_operand("set", name, false);
}

// POSIX set: -k (and -o keyword) makes NAME=value anywhere in a command an
// environment assignment the parser would not see.
Failure check_posix_set(std::span<const Word> words) {
  for (std::size_t index = 1; index < words.size() && is_option_word(words[index]); ++index) {
    const std::string& text = words[index].text;
    if (text[0] == '-' && text.find('k') != std::string::npos) {
      return builtin_error("set", quote(text), "it turns NAME=value arguments into assignments");
    }
    if (text.find('o') != std::string::npos && index + 1 < words.size() &&
        words[index + 1].text == "keyword") {
      return builtin_error("set", "-o keyword", "it turns NAME=value arguments into assignments");
    }
  }
  return std::nullopt;
}

// test and [: "-v NAME" evaluates a subscript in NAME as arithmetic.
Failure check_test(std::string_view builtin, std::span<const Word> words) {
  for (std::size_t index = 1; index + 1 < words.size(); ++index) {
    const std::string& text = words[index].text;
    if (text != "-v" && text != "-R") continue;
    const Word& name = words[index + 1];
    if (name.expands || name.text.find('[') != std::string::npos) {
      return builtin_error(builtin, text + " " + quote(name.text),
                           "array subscripts are evaluated as arithmetic, which can run commands");
    }
  }
  return std::nullopt;
}

// Builtins rejected when one of `letters` appears in an option word.
Failure check_option_letters(std::string_view builtin, std::span<const Word> words,
                             std::string_view letters, std::string_view reason) {
  for (const Word& word : words.subspan(1)) {
    if (!is_option_word(word) || word.text[0] != '-') continue;
    if (word.text.find_first_of(letters) != std::string::npos) {
      return builtin_error(builtin, quote(word.text), reason);
    }
  }
  return std::nullopt;
}

}  // namespace

Failure check_variable_operand(std::string_view builtin, const Word& word, bool may_assign) {
  const std::string& text = word.text;
  std::size_t name_end = may_assign ? text.find('=') : std::string::npos;
  const bool name_is_literal = name_end != std::string::npos
                                   ? name_end < word.literal_prefix && !word.may_split
                                   : !word.expands;
  if (!name_is_literal) {
    return make_error(std::string(builtin) + " operand " + quote(text) +
                      " contains an expansion: the policy cannot tell which variable it sets"
                      "; put the value in double quotes");
  }
  if (name_end == std::string::npos) name_end = text.size();
  if (name_end > 0 && text[name_end - 1] == '+') --name_end;
  const std::string name = text.substr(0, name_end);
  if (name.find('[') != std::string::npos) {
    return builtin_error(builtin, quote(text),
                         "array subscripts are evaluated as arithmetic, which can run commands");
  }
  if (is_dangerous_variable(name)) return make_error(dangerous_variable_error(name, builtin));
  return std::nullopt;
}

Failure Analyzer::check_builtin(std::string_view program, std::span<const Word> words,
                                const Context& context) {
  for (const RejectedBuiltin& rejected : kRejectedBuiltins) {
    if (program == rejected.name) {
      return make_error(std::string(program) + " is not allowed: " + std::string(rejected.reason));
    }
  }
  const bool fish = context.dialect == Dialect::fish;
  if (std::find(std::begin(kDeclarations), std::end(kDeclarations), program) !=
      std::end(kDeclarations)) {
    return check_declaration(program, words);
  }
  if (program == "trap") return check_trap(words, context);
  if (program == "set") return fish ? check_fish_set(words) : check_posix_set(words);
  if (program == "read") {
    if (fish) return check_fish_read(words);
    std::size_t operands = 0;
    if (auto failure = check_named_options("read", words, "adinNptu", "a", "", &operands)) {
      return failure;
    }
    return check_name_operands("read", words, operands);
  }
  if (program == "mapfile" || program == "readarray") {
    std::size_t operands = 0;
    if (auto failure = check_named_options(program, words, "dnOsuCc", "", "C", &operands)) {
      return failure;
    }
    return check_name_operands(program, words, operands);
  }
  if (program == "printf" || program == "print") {
    return check_named_options(program, words, "vfuC", "v", "", nullptr);
  }
  if (program == "wait") return check_named_options("wait", words, "p", "p", "", nullptr);
  if (program == "getopts") {
    return words.size() > 2 ? check_variable_operand("getopts", words[2], false) : std::nullopt;
  }
  if (program == "unset") {
    std::size_t operands = scan_letters(words, "", [](char, char, const Word*) {});
    for (const Word& word : words.subspan(operands)) {
      if (word.expands || word.text.find('[') != std::string::npos) {
        return builtin_error("unset", quote(word.text),
                             "the name must be literal and without an array subscript");
      }
    }
    return std::nullopt;
  }
  if (program == "test" || program == "[") return check_test(program, words);
  if (program == "alias") {
    std::size_t operands = 0;
    for (const Word& word : words.subspan(1)) {
      if (is_option_word(word)) continue;
      ++operands;
      if (word.text.find('=') != std::string::npos || word.expands || (fish && operands > 1)) {
        return builtin_error("alias", "definition",
                             "an alias makes a command name run other programs");
      }
    }
    return std::nullopt;
  }
  if (program == "hash") {
    return check_option_letters("hash", words, "p", "it binds a command name to any file");
  }
  if (program == "enable") {
    return check_option_letters("enable", words, "fd", "it loads builtins from a shared object");
  }
  if (program == "compgen" || program == "complete") {
    return check_option_letters(program, words, "CF", "it runs a command or function");
  }
  if (program == "bind") return check_option_letters("bind", words, "x", "it runs a command");
  if (program == "jobs") return check_option_letters("jobs", words, "x", "it runs a command");
  if (program == "emulate") {
    return check_option_letters("emulate", words, "c", "it runs a command string");
  }
  return std::nullopt;
}

Failure Analyzer::check_trap(std::span<const Word> words, const Context& context) {
  std::size_t index = 1;
  for (; index < words.size() && is_option_word(words[index]); ++index) {
    // -l lists signals, -p and -P print traps: nothing is set.
    if (words[index].text.find_first_of("lpP") != std::string::npos) return std::nullopt;
  }
  if (index < words.size() && words[index].text == "--") ++index;
  if (index >= words.size()) return std::nullopt;  // prints the traps
  const Word& action = words[index];
  const std::string& text = action.text;
  const bool resets = text == "-" || (!text.empty() && !action.expands &&
                                      text.find_first_not_of("0123456789") == std::string::npos);
  if ((text.empty() && !action.expands) || resets) return std::nullopt;
  // The action runs later in this shell: analyze it like "sh -c".
  return analyze_command_string("trap", action, context.dialect, context);
}

}  // namespace nucleus::policy::shell
