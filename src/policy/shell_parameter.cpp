// The lexer's handling of '$'. Command and arithmetic substitutions are
// rejected, and parameter expansions stay literally in the word, marked as
// expansions. Bash evaluates array subscripts, substring offsets and the
// value named by "${!name}" as arithmetic, and arithmetic on a value such
// as 'a[$(cmd)]' runs cmd. The "@P" transformation expands a value as a
// prompt, which can run commands too. Only "${...}" forms with none of
// these are accepted.
#include <string>
#include <string_view>

#include "policy/shell_lexer.h"
#include "policy/shell_lexer_internal.h"
#include "policy/shell_variables.h"

namespace nucleus::policy::shell {
namespace {

bool is_digits(std::string_view text) {
  return !text.empty() &&
         text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Consume a parameter name at the start of `text`: a variable name, a
// positional parameter number, or one special parameter character.
std::string_view take_name(std::string_view& text) {
  std::size_t length = 0;
  if (text.empty()) return {};
  const char first = text.front();
  if ((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_') {
    length = text.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789");
  } else if (first >= '0' && first <= '9') {
    length = text.find_first_not_of("0123456789");
  } else if (std::string_view("@*#?-$!").find(first) != std::string_view::npos) {
    length = 1;
  }
  if (length == std::string_view::npos) length = text.size();
  const std::string_view name = text.substr(0, length);
  text.remove_prefix(length);
  return name;
}

// Consume an optional "[...]" subscript; false when it is not [@], [*] or
// a literal number.
bool take_subscript(std::string_view& text) {
  if (text.empty() || text.front() != '[') return true;
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos) return false;
  const std::string_view index = text.substr(1, close - 1);
  text.remove_prefix(close + 1);
  return index == "@" || index == "*" || is_digits(index);
}

// The operator part after the name: "", ":-word", "#pattern", ":1:2" ...
std::string check_operator(std::string_view name, std::string_view rest) {
  if (rest.empty()) return {};
  const char first = rest.front();
  const bool colon = first == ':';
  const std::string_view after_colon = colon ? rest.substr(1) : rest;
  const char op = after_colon.empty() ? '\0' : after_colon.front();
  if (op == '-' || op == '+' || op == '?') return {};
  if (op == '=') {
    if (is_dangerous_variable(name)) return dangerous_variable_error(name, "${name:=value}");
    return {};
  }
  if (colon) {
    // Substring "${name:offset[:length]}": only literal numbers, because a
    // name there is evaluated as arithmetic.
    const std::size_t second = after_colon.find(':');
    const std::string_view offset = after_colon.substr(0, second);
    if (!is_digits(offset)) return "substring offsets must be plain numbers";
    if (second == std::string_view::npos) return {};
    std::string_view length = after_colon.substr(second + 1);
    if (!length.empty() && length.front() == '-') length.remove_prefix(1);
    if (!is_digits(length)) return "substring lengths must be plain numbers";
    return {};
  }
  if (first == '#' || first == '%' || first == '/' || first == '^' || first == ',') return {};
  if (first == '@') return "transformations such as \"@P\" can run commands";
  return "unsupported operator";
}

std::string arithmetic_error(std::string_view text) {
  return "arithmetic expansion " + quoted(text) +
         " is not allowed: arithmetic on array subscripts can run commands";
}

}  // namespace

std::string check_braced_parameter(std::string_view inside) {
  if (inside.empty()) return "the parameter name is missing";
  for (const char c : inside) {
    const bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (control || std::string_view(" '\"\\`$(){;&|<>~").find(c) != std::string_view::npos) {
      return std::string("only simple forms are supported, without \"") + c + "\" inside";
    }
  }
  std::string_view rest = inside;
  if (rest.size() > 1 && rest.front() == '#') {
    // Length "${#name}": nothing may follow the name.
    rest.remove_prefix(1);
    if (take_name(rest).empty() || !take_subscript(rest)) return "invalid length expansion";
    return rest.empty() ? std::string() : "invalid length expansion";
  }
  if (rest.size() > 1 && rest.front() == '!') {
    // Only the name-listing forms "${!prefix@}" and "${!array[@]}" are
    // safe: "${!name}" evaluates the value of name as another parameter.
    rest.remove_prefix(1);
    const std::string_view name = take_name(rest);
    const bool listing = rest == "@" || rest == "*" || rest == "[@]" || rest == "[*]";
    if (name.empty() || !listing) return "indirect expansion \"${!name}\" can run commands";
    return {};
  }
  const std::string_view name = take_name(rest);
  if (name.empty()) return "the parameter name is missing or invalid";
  if (!take_subscript(rest)) {
    return "array subscripts other than [@], [*] and numbers are evaluated as arithmetic";
  }
  return check_operator(name, rest);
}

// Called after the '$' has been consumed.
std::string Lexer::lex_dollar(WordBuilder& word, bool in_double_quotes) {
  const char n = peek();
  if (n == '(') {
    if (peek(1) == '(') return arithmetic_error("$((");
    return substitution_error("command substitution", "$(");
  }
  if (n == '[') return arithmetic_error("$[");
  if (n == '{') return lex_braced_parameter(word, in_double_quotes);
  if (!in_double_quotes && n == '\'') {
    return "ANSI-C quoting \"$'\" is not allowed: bash and sh read it differently; "
           "use single or double quotes";
  }
  if (!in_double_quotes && n == '"') {
    return "locale translation \"$\\\"\" is not allowed: the translated text is unknown; "
           "use plain double quotes";
  }
  const std::size_t start = word.size();
  word.add('$', in_double_quotes);
  if (is_name_start(n)) {
    while (is_name_char(peek())) word.add(get(), in_double_quotes);
    word.mark_expansion(start, !in_double_quotes);
    return check_no_subscript(word, start);
  }
  if (is_digit(n) || std::string_view("@*#?$!-").find(n) != std::string_view::npos) {
    word.add(get(), in_double_quotes);
    word.mark_expansion(start, !in_double_quotes || n == '@');
    return check_no_subscript(word, start);
  }
  if (n == '=' || n == '~' || n == '^' || n == '+') {
    // zsh parameter flags such as "$=name" split or glob the value.
    word.mark_expansion(start, true);
  }
  return {};
}

// zsh reads "$name[i]" and "${name}[i]" as an array subscript and
// evaluates i as arithmetic, like bash's "${name[i]}".
std::string Lexer::check_no_subscript(const WordBuilder& word, std::size_t start) const {
  if (peek() != '[') return {};
  return "subscript after " + quoted(word.text_from(start)) +
         " is not allowed: zsh evaluates it as arithmetic, which can run commands; "
         "quote the \"[\"";
}

std::string Lexer::lex_braced_parameter(WordBuilder& word, bool in_double_quotes) {
  get();
  std::string inside;
  for (;;) {
    if (at_end()) return "unterminated parameter expansion \"${\": add the closing }";
    const char c = get();
    if (c == '}') break;
    inside += c;
  }
  std::string reason = check_braced_parameter(inside);
  if (!reason.empty()) {
    return "parameter expansion " + quoted("${" + inside + "}") + " is not allowed: " + reason;
  }
  const std::size_t start = word.size();
  word.add_text("${" + inside + "}", in_double_quotes);
  const bool splits = !in_double_quotes || inside.find('@') != std::string::npos;
  word.mark_expansion(start, splits);
  return check_no_subscript(word, start);
}

}  // namespace nucleus::policy::shell
