// split_command_line() and the parse behind it: tokens from the lexer
// grouped into simple commands at the separators.
#include <algorithm>
#include <optional>
#include <string_view>

#include "policy/shell.h"
#include "policy/shell_parse.h"
#include "policy/shell_variables.h"

namespace nucleus::policy {
namespace shell {
namespace {

constexpr std::string_view kReservedWords[] = {
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until",
    "for", "in", "function", "select", "coproc", "repeat", "foreach", "switch",
};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool is_binary_operator(Separator separator) {
  return separator == Separator::and_if || separator == Separator::or_if ||
         separator == Separator::pipe || separator == Separator::pipe_stderr;
}

}  // namespace

std::optional<Error> check_command_word(std::string_view text) {
  if (text == "{" || text == "}") {
    return make_error("group " + quoted(text) +
                      " is not allowed: the policy only accepts simple commands");
  }
  if (text == "[[" || text == "]]") {
    return make_error("conditional expression " + quoted(text) +
                      " is not allowed: use \"[\" or test instead");
  }
  if (std::find(std::begin(kReservedWords), std::end(kReservedWords), text) !=
      std::end(kReservedWords)) {
    return make_error("shell keyword " + quoted(text) +
                      " is not allowed: the policy only accepts simple commands");
  }
  return std::nullopt;
}

namespace {

// "NAME=value" or "NAME+=value" with NAME and '=' unquoted.
std::optional<std::pair<std::string, std::string>> as_assignment(const Word& word) {
  const std::size_t equals = word.text.find('=');
  if (equals == std::string::npos || equals >= word.unquoted_prefix) return std::nullopt;
  std::size_t name_end = equals;
  if (name_end > 0 && word.text[name_end - 1] == '+') --name_end;
  std::string name = word.text.substr(0, name_end);
  if (!is_variable_name(name)) return std::nullopt;
  return std::make_pair(std::move(name), word.text.substr(equals + 1));
}

bool is_descriptor(const Word& target) {
  std::string_view text = target.text;
  if (target.expands || text.empty()) return false;
  if (text == "-") return true;
  if (text.back() == '-') text.remove_suffix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

Result<Redirection> classify_redirection(const std::string& op, const Word& target) {
  const std::size_t digits = op.find_first_not_of("0123456789");
  const std::string_view base = std::string_view(op).substr(digits);
  const bool has_fd = digits > 0;
  Redirection redirection;
  redirection.target = target.text;
  if (base == "<") {
    redirection.kind = Redirection::Kind::input;
  } else if (base == ">&" || base == "<&") {
    if (is_descriptor(target)) {
      redirection.kind = Redirection::Kind::duplicate;
      redirection.target.clear();
    } else if (base == "<&" || has_fd) {
      return make_error("redirection " + quoted(op + target.text) +
                        " is invalid: a file descriptor number or \"-\" must follow " +
                        quoted(base));
    } else {
      // bash reads ">&file" as "&>file".
      redirection.kind = Redirection::Kind::output;
    }
  } else {
    redirection.kind = Redirection::Kind::output;
  }
  return redirection;
}

class CommandBuilder {
 public:
  bool empty() const {
    return command_.assignments.empty() && command_.words.empty() &&
           command_.redirections.empty() && !command_.negated;
  }

  std::optional<Error> add_word(Word word) {
    if (ends_with_both_redirection_) {
      return make_error("\"&>\" must come after the last word of its command: sh reads "
                        "\"a &>file b\" as \"a &\" followed by \">file b\"");
    }
    if (command_.words.empty()) {
      const bool bang = word.text == "!" && !word.quoted;
      if (bang && command_.assignments.empty() && command_.redirections.empty()) {
        command_.negated = true;  // "! pipeline" only inverts the exit status
        return std::nullopt;
      }
      if (auto assignment = as_assignment(word)) {
        command_.assignments.push_back(std::move(*assignment));
        return std::nullopt;
      }
      if (auto error = check_command_word(word.text)) return error;
    }
    command_.words.push_back(std::move(word));
    return std::nullopt;
  }

  std::optional<Error> add_redirection(std::string op, Word target) {
    auto redirection = classify_redirection(op, target);
    if (!redirection) return make_error(redirection.error());
    if (op == "&>" || op == "&>>") ends_with_both_redirection_ = true;
    command_.redirections.push_back({std::move(*redirection), std::move(op), std::move(target)});
    return std::nullopt;
  }

  std::optional<Error> finish_into(std::vector<ParsedCommand>& commands) {
    if (command_.negated && command_.assignments.empty() && command_.words.empty() &&
        command_.redirections.empty()) {
      return make_error("\"!\" must be followed by a command");
    }
    commands.push_back(std::move(command_));
    command_ = {};
    ends_with_both_redirection_ = false;
    return std::nullopt;
  }

 private:
  ParsedCommand command_;
  bool ends_with_both_redirection_ = false;
};

std::string describe(const Token& token) {
  return token.op == "\n" ? std::string("a newline") : quoted(token.op);
}

}  // namespace

Result<std::vector<ParsedCommand>> parse_command_line(std::string_view line, Dialect dialect) {
  if (line.size() > kMaxLineBytes) {
    return make_error("command line is " + std::to_string(line.size()) +
                      " bytes long: the limit is " + std::to_string(kMaxLineBytes));
  }
  if (line.find('\0') != std::string_view::npos) {
    return make_error("command line contains a NUL byte");
  }
  if (dialect == Dialect::fish && line.find('\\') != std::string_view::npos) {
    return make_error("backslash in a fish command is not allowed: fish escapes differ "
                      "from sh, so the policy cannot read them reliably");
  }
  Lexer lexer(line, dialect);
  std::vector<ParsedCommand> commands;
  CommandBuilder current;
  std::optional<Token> previous_separator;
  for (;;) {
    auto token = lexer.next();
    if (!token) return make_error(token.error());
    std::optional<Error> error;
    switch (token->kind) {
      case TokenKind::end:
        if (!current.empty()) {
          error = current.finish_into(commands);
        } else if (previous_separator && is_binary_operator(previous_separator->separator)) {
          error = make_error("missing command after " + describe(*previous_separator));
        }
        if (error) return *error;
        return commands;
      case TokenKind::word:
        error = current.add_word(std::move(token->word));
        break;
      case TokenKind::redirection: {
        auto target = lexer.next();
        if (!target) return make_error(target.error());
        if (target->kind != TokenKind::word) {
          return make_error("missing file name after redirection " + quoted(token->op));
        }
        error = current.add_redirection(std::move(token->op), std::move(target->word));
        break;
      }
      case TokenKind::separator:
        if (current.empty()) {
          // Blank lines, and newlines after "&&", "||" or "|", are fine.
          if (token->separator == Separator::newline) continue;
          return make_error("missing command before " + describe(*token));
        }
        error = current.finish_into(commands);
        previous_separator = std::move(*token);
        break;
    }
    if (error) return *error;
  }
}

}  // namespace shell

Result<std::vector<SimpleCommand>> split_command_line(std::string_view line) {
  auto parsed = shell::parse_command_line(line, shell::Dialect::posix);
  if (!parsed) return make_error(parsed.error());
  std::vector<SimpleCommand> commands;
  commands.reserve(parsed->size());
  for (shell::ParsedCommand& command : *parsed) {
    SimpleCommand simple;
    simple.assignments = std::move(command.assignments);
    for (shell::Word& word : command.words) simple.argv.push_back(std::move(word.text));
    for (shell::ParsedRedirection& redirection : command.redirections) {
      simple.redirections.push_back(std::move(redirection.redirection));
    }
    commands.push_back(std::move(simple));
  }
  return commands;
}

}  // namespace nucleus::policy
