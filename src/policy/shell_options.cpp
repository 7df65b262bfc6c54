#include "policy/shell_options.h"

#include "policy/shell_analyzer.h"

namespace nucleus::policy::shell {
namespace {

std::string option_error(std::string_view program, std::string_view option,
                         std::string_view problem) {
  return "option " + quote(option) + " of " + std::string(program) + " " + std::string(problem);
}

Result<const OptionSpec*> find_long_option(std::string_view program, std::string_view name,
                                           const OptionSyntax& syntax) {
  const OptionSpec* match = nullptr;
  int prefix_matches = 0;
  for (const OptionSpec& spec : syntax.specs) {
    if (spec.long_name.empty()) continue;
    if (spec.long_name == name) return &spec;
    if (syntax.abbreviations && !name.empty() && spec.long_name.starts_with(name)) {
      match = &spec;
      ++prefix_matches;
    }
  }
  const std::string option = "--" + std::string(name);
  if (prefix_matches == 1) return match;
  if (prefix_matches > 1) {
    return make_error(option_error(program, option, "is ambiguous: write the full name"));
  }
  return make_error(option_error(program, option,
                                 "is not known to the policy, so it cannot tell where the "
                                 "command starts"));
}

const OptionSpec* find_short_option(char name, const OptionSyntax& syntax) {
  for (const OptionSpec& spec : syntax.specs) {
    if (spec.short_name != 0 && spec.short_name == name) return &spec;
  }
  return nullptr;
}

bool is_numeric_option(std::string_view text) {
  if (text.size() < 2 || text[0] != '-') return false;
  const std::size_t digit = (text[1] == '-' || text[1] == '+') ? 2 : 1;
  return digit < text.size() && text[digit] >= '0' && text[digit] <= '9';
}

// Apply an option's effect. Returns an error for rejected options.
std::optional<std::string> apply_effect(std::string_view program, std::string_view written,
                                        const OptionSpec& spec, OptionScan& scan) {
  if (spec.effect == OptionEffect::rejected) {
    return option_error(program, written, "is not allowed: " + std::string(spec.reason));
  }
  if (spec.effect == OptionEffect::prints_only) scan.prints_only = true;
  return std::nullopt;
}

// Take the separate argument word after an option at words[index].
Result<std::string> next_argument(std::string_view program, std::string_view written,
                                  std::span<const Word> words, std::size_t index) {
  if (index + 1 >= words.size()) {
    return make_error(option_error(program, written, "needs an argument"));
  }
  const Word& argument = words[index + 1];
  if (argument.expands) {
    return make_error(option_error(program, written, "has an argument " + quote(argument.text) +
                                   " that contains an expansion: the policy cannot tell "
                                   "where the command starts"));
  }
  return argument.text;
}

// Scan one long option word; returns how many words it used.
Result<std::size_t> scan_long(std::string_view program, std::span<const Word> words,
                              std::size_t index, const OptionSyntax& syntax, OptionScan& scan) {
  const std::string& text = words[index].text;
  const std::size_t equals = text.find('=');
  const std::string_view name = std::string_view(text).substr(2, equals - 2);
  auto spec = find_long_option(program, name, syntax);
  if (!spec) return make_error(spec.error());
  const std::string written = "--" + std::string((*spec)->long_name);
  if (auto error = apply_effect(program, written, **spec, scan)) return make_error(*error);
  FoundOption found{*spec, {}, false};
  std::size_t used = 1;
  if (equals != std::string::npos) {
    if ((*spec)->argument == OptionArgument::none) {
      return make_error(option_error(program, written, "does not take an argument"));
    }
    found.value = text.substr(equals + 1);
    found.has_value = true;
  } else if ((*spec)->argument == OptionArgument::required) {
    auto value = next_argument(program, written, words, index);
    if (!value) return make_error(value.error());
    found.value = std::move(*value);
    found.has_value = true;
    used = 2;
  }
  scan.options.push_back(std::move(found));
  return used;
}

// Scan one cluster of short options such as "-iu NAME"; returns how many
// words it used.
Result<std::size_t> scan_short(std::string_view program, std::span<const Word> words,
                               std::size_t index, const OptionSyntax& syntax, OptionScan& scan) {
  const std::string& text = words[index].text;
  for (std::size_t at = 1; at < text.size(); ++at) {
    const std::string written = std::string("-") + text[at];
    const OptionSpec* spec = find_short_option(text[at], syntax);
    if (spec == nullptr) {
      return make_error(option_error(program, written,
                                     "is not known to the policy, so it cannot tell where the "
                                     "command starts"));
    }
    if (auto error = apply_effect(program, written, *spec, scan)) return make_error(*error);
    if (scan.prints_only) return std::size_t{1};
    if (spec->argument == OptionArgument::none) {
      scan.options.push_back({spec, {}, false});
      continue;
    }
    const std::string rest = text.substr(at + 1);
    if (!rest.empty() || spec->argument == OptionArgument::optional) {
      scan.options.push_back({spec, rest, !rest.empty()});
      return std::size_t{1};
    }
    auto value = next_argument(program, written, words, index);
    if (!value) return make_error(value.error());
    scan.options.push_back({spec, std::move(*value), true});
    return std::size_t{2};
  }
  return std::size_t{1};
}

}  // namespace

Result<OptionScan> scan_options(std::string_view program, std::span<const Word> words,
                                std::size_t first, const OptionSyntax& syntax) {
  OptionScan scan;
  std::size_t index = first;
  while (index < words.size()) {
    const Word& word = words[index];
    const std::string& text = word.text;
    if (text == "--" && !word.expands) {
      ++index;
      break;
    }
    // An operand, or an expansion that might be one: the caller checks
    // whatever it takes as an operand.
    if (text.size() < 2 || text[0] != '-' || word.literal_prefix == 0) break;
    if (word.expands) {
      return make_error(option_error(program, text,
                                     "contains an expansion: the policy cannot tell where the "
                                     "command starts"));
    }
    Result<std::size_t> used = std::size_t{1};
    if (syntax.numeric_options && is_numeric_option(text)) {
      scan.options.push_back({nullptr, text.substr(1), true});
    } else if (text.starts_with("--") && syntax.long_options) {
      used = scan_long(program, words, index, syntax, scan);
    } else {
      used = scan_short(program, words, index, syntax, scan);
    }
    if (!used) return make_error(used.error());
    index += *used;
    if (scan.prints_only) break;
  }
  scan.operands = index;
  return scan;
}

}  // namespace nucleus::policy::shell
