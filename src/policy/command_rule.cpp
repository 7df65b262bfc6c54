#include "policy/command_rule.h"

#include <algorithm>

#include "policy/command_wildcard.h"
#include "policy/shell_parse.h"

namespace nucleus::policy {
namespace {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Bytes that need no quoting in a shell word anywhere, '=' only after the
// first word (a leading NAME=value word would read as an assignment).
// Bytes from 0x80 up stay as they are, so UTF-8 names remain readable.
bool is_plain_shell_byte(char c, bool first_word) {
  if (static_cast<unsigned char>(c) >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c == '=') return !first_word;
  return std::string_view("_@%+:,./-").find(c) != std::string_view::npos;
}

// The word as a shell would need it written: unchanged when plain,
// otherwise in single quotes with each ' written as '\''.
std::string shell_quote(std::string_view word, bool first_word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [&](char c) {
    return is_plain_shell_byte(c, first_word);
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// A structured argument pattern for text(): unchanged unless it is empty
// or contains a byte that would make the list ambiguous, in which case it
// is written in double quotes with '"' and '\' escaped.
std::string list_quote(std::string_view pattern) {
  const bool plain = !pattern.empty() &&
                     pattern.find_first_of(",\"\\ \t\n\r\f\v") == std::string_view::npos;
  if (plain) return std::string(pattern);
  std::string out = "\"";
  for (const char c : pattern) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Error rule_error(std::string_view text, std::string_view reason) {
  return make_error("invalid command rule " + quoted(text) + ": " + std::string(reason));
}

// The program of a structured rule: a plain name, so that text() stays
// unambiguous and the name could match some program's base name.
std::string check_program(std::string_view program) {
  if (program.empty()) return "the program name is empty";
  if (program.find('/') != std::string_view::npos) {
    return "the program must be a base name without '/', such as \"git\"";
  }
  if (program.find('\0') != std::string_view::npos) return "the program contains a NUL byte";
  const bool plain = std::all_of(program.begin(), program.end(),
                                 [](char c) { return is_plain_shell_byte(c, true); });
  if (!plain) return "the program contains spaces, quotes or shell operators";
  return {};
}

}  // namespace

Result<CommandRule> CommandRule::prefix(std::string_view text) {
  auto parsed = shell::parse_command_line(text, shell::Dialect::posix);
  if (!parsed) return rule_error(text, parsed.error());
  if (parsed->empty()) return rule_error(text, "the rule is empty");
  if (parsed->size() > 1) {
    return rule_error(text, "a rule is one command, without ; && || | & or newlines");
  }
  const shell::ParsedCommand& command = parsed->front();
  if (command.negated) return rule_error(text, "a rule cannot start with \"!\"");
  if (!command.assignments.empty()) {
    return rule_error(text, "a rule cannot start with a NAME=value assignment");
  }
  if (!command.redirections.empty()) return rule_error(text, "a rule cannot contain redirections");
  if (command.words.empty()) return rule_error(text, "the rule names no program");
  const std::string& program = command.words.front().text;
  if (program.empty()) return rule_error(text, "the program name is empty");
  if (program.find('/') != std::string::npos) {
    return rule_error(text, "the program must be a base name without '/', such as \"git\"");
  }
  CommandRule rule;
  rule.prefix_ = true;
  rule.program_ = program;
  rule.text_ = shell_quote(program, true);
  for (std::size_t index = 1; index < command.words.size(); ++index) {
    rule.args_.push_back(command.words[index].text);
    rule.text_ += ' ';
    rule.text_ += shell_quote(command.words[index].text, false);
  }
  return rule;
}

Result<CommandRule> CommandRule::structured(std::string_view program,
                                            const std::vector<std::string>& args) {
  const std::string description = std::string(program) + " [...]";
  if (std::string reason = check_program(program); !reason.empty()) {
    return rule_error(description, reason);
  }
  CommandRule rule;
  rule.program_ = std::string(program);
  rule.args_ = args;
  if (!rule.args_.empty() && rule.args_.back() == "*") {
    rule.any_rest_ = true;
    rule.args_.pop_back();
  }
  rule.text_ = rule.program_ + " [";
  for (std::size_t index = 0; index < args.size(); ++index) {
    if (std::string reason = command::check_wildcard(args[index]); !reason.empty()) {
      return rule_error(description, "argument pattern " + quoted(args[index]) + ": " + reason);
    }
    if (index > 0) rule.text_ += ", ";
    rule.text_ += list_quote(args[index]);
  }
  rule.text_ += ']';
  return rule;
}

bool CommandRule::matches(const Invocation& invocation) const {
  if (invocation.program != program_) return false;
  const std::size_t count = invocation.argv.empty() ? 0 : invocation.argv.size() - 1;
  const auto argument = [&](std::size_t index) -> const std::string& {
    return invocation.argv[index + 1];
  };
  if (prefix_) {
    if (count < args_.size()) return false;
    for (std::size_t index = 0; index < args_.size(); ++index) {
      if (argument(index) != args_[index]) return false;
    }
    return true;
  }
  if (any_rest_ ? count < args_.size() : count != args_.size()) return false;
  for (std::size_t index = 0; index < args_.size(); ++index) {
    if (!command::wildcard_matches(args_[index], argument(index))) return false;
  }
  return true;
}

}  // namespace nucleus::policy
