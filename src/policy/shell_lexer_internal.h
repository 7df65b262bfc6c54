// Pieces of the shell lexer shared by shell_lexer.cpp and
// shell_parameter.cpp, private to the policy library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "policy/shell_lexer.h"

namespace nucleus::policy::shell {

inline constexpr std::size_t kNoPosition = std::numeric_limits<std::size_t>::max();

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

inline bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Characters that end an unquoted word: blanks and the operator characters.
inline bool ends_word(char c) {
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
         c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

inline std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

inline std::string substitution_error(std::string_view construct, std::string_view text) {
  return std::string(construct) + " " + quoted(text) +
         " is not allowed: the policy cannot see which program it runs";
}

// Accumulates one word and the facts about it that Word records.
class Lexer::WordBuilder {
 public:
  bool empty() const { return word_.text.empty() && !word_.quoted; }
  std::size_t size() const { return word_.text.size(); }
  std::string text_from(std::size_t start) const { return word_.text.substr(start); }

  void add_unquoted(char c) {
    word_.text += c;
    track_brace_expansion(c);
  }

  void add_quoted(char c) {
    mark_quoted();
    word_.text += c;
  }

  void add(char c, bool is_quoted) { is_quoted ? add_quoted(c) : add_unquoted(c); }

  void add_text(std::string_view text, bool is_quoted) {
    if (is_quoted) mark_quoted();
    word_.text += text;
  }

  void mark_quoted() {
    if (!word_.quoted) {
      word_.quoted = true;
      unquoted_end_ = word_.text.size();
    }
  }

  // Record an expansion whose result starts at byte `at` of the text.
  void mark_expansion(std::size_t at, bool may_split) {
    word_.expands = true;
    literal_end_ = std::min(literal_end_, at);
    word_.may_split = word_.may_split || may_split;
  }

  void mark_tilde() { word_.tilde = true; }

  Word finish() && {
    word_.literal_prefix = std::min(literal_end_, word_.text.size());
    word_.unquoted_prefix = std::min(unquoted_end_, word_.text.size());
    return std::move(word_);
  }

 private:
  // Brace expansion ("a{b,c}", "{1..3}") needs an unquoted '{', then an
  // unquoted ',' or "..", then an unquoted '}'. Tracking only that order
  // over-approximates, which is the safe direction.
  void track_brace_expansion(char c) {
    const std::size_t index = word_.text.size() - 1;
    if (c == '{' && brace_open_ == kNoPosition) {
      brace_open_ = index;
    } else if (brace_open_ != kNoPosition && c == ',') {
      brace_separator_ = true;
    } else if (brace_open_ != kNoPosition && c == '.') {
      if (last_unquoted_dot_ + 1 == index) brace_separator_ = true;
      last_unquoted_dot_ = index;
    } else if (c == '}' && brace_separator_) {
      mark_expansion(brace_open_, false);
    }
  }

  Word word_;
  std::size_t literal_end_ = kNoPosition;
  std::size_t unquoted_end_ = kNoPosition;
  std::size_t brace_open_ = kNoPosition;
  std::size_t last_unquoted_dot_ = kNoPosition - 1;
  bool brace_separator_ = false;
};

}  // namespace nucleus::policy::shell
