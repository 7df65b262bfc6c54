// Validation of "${...}" parameter expansions. Bash evaluates array
// subscripts, substring offsets and the value named by "${!name}" as
// arithmetic, and arithmetic on a value such as 'a[$(cmd)]' runs cmd; "@P"
// expands a value as a prompt, which can do the same. Only forms with none
// of these are accepted.
#include <string_view>

#include "policy/shell_lexer.h"
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

}  // namespace nucleus::policy::shell
