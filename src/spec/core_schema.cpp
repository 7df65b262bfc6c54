#include "spec/core_schema.h"

#include <algorithm>

namespace nucleus::spec {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_of(std::string_view text, bool (*predicate)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), predicate);
}

std::string_view without_sign(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return text;
}

}  // namespace

bool is_core_null(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool is_core_bool(std::string_view text) {
  return text == "true" || text == "True" || text == "TRUE" || text == "false" ||
         text == "False" || text == "FALSE";
}

bool is_core_int(std::string_view text) {
  if (text.starts_with("0o")) {
    return all_of(text.substr(2), [](char c) { return c >= '0' && c <= '7'; });
  }
  if (text.starts_with("0x")) {
    return all_of(text.substr(2), [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
  }
  return all_of(without_sign(text), is_digit);
}

bool is_core_float(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  const std::string_view unsigned_text = without_sign(text);
  if (unsigned_text == ".inf" || unsigned_text == ".Inf" || unsigned_text == ".INF") return true;

  std::string_view mantissa = unsigned_text;
  std::string_view exponent;
  if (const auto e = unsigned_text.find_first_of("eE"); e != std::string_view::npos) {
    mantissa = unsigned_text.substr(0, e);
    exponent = unsigned_text.substr(e + 1);
    if (!all_of(without_sign(exponent), is_digit)) return false;
  }
  const auto dot = mantissa.find('.');
  if (dot == std::string_view::npos) return all_of(mantissa, is_digit);
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction = mantissa.substr(dot + 1);
  if (whole.empty()) return all_of(fraction, is_digit);
  return all_of(whole, is_digit) && (fraction.empty() || all_of(fraction, is_digit));
}

ScalarType resolve_plain_scalar(std::string_view text) {
  if (is_core_bool(text)) return ScalarType::boolean;
  if (is_core_int(text)) return ScalarType::integer;
  if (is_core_float(text)) return ScalarType::floating;
  return ScalarType::string;
}

}  // namespace nucleus::spec
