// A getopt-style option scanner for wrapper programs, private to the policy
// library. It finds where a wrapper's options end, so that the next word
// can be taken as the program the wrapper runs.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/shell_lexer.h"

namespace nucleus::policy::shell {

enum class OptionArgument { none, required, optional };

enum class OptionEffect {
  plain,
  prints_only,  // like --help: the program prints and exits, running nothing
  rejected,     // the policy cannot allow it, for the cause in `reason`
};

struct OptionSpec {
  char short_name = 0;          // 0 for a long-only option
  std::string_view long_name;   // empty for a short-only option
  OptionArgument argument = OptionArgument::none;
  OptionEffect effect = OptionEffect::plain;
  std::string_view reason;      // for rejected options
};

struct OptionSyntax {
  std::span<const OptionSpec> specs;
  bool long_options = true;
  // GNU getopt_long accepts any unambiguous prefix of a long option.
  bool abbreviations = true;
  // nice's "-5", "-+5" and "--5" adjustments.
  bool numeric_options = false;
};

struct FoundOption {
  const OptionSpec* spec = nullptr;  // nullptr for a numeric option
  std::string value;
  bool has_value = false;
};

struct OptionScan {
  std::vector<FoundOption> options;
  std::size_t operands = 0;  // index of the first word after the options
  bool prints_only = false;
};

// Scan words[first..] like GNU getopt with a leading '+': options end at
// "--" (consumed), at "-", or at the first word that does not start with
// '-'. Fails on unknown or rejected options, missing arguments, and option
// words or arguments whose text is not final. Stops early, with
// prints_only set, at an option such as --help.
Result<OptionScan> scan_options(std::string_view program, std::span<const Word> words,
                                std::size_t first, const OptionSyntax& syntax);

}  // namespace nucleus::policy::shell
