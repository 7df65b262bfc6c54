#include "policy/shell_lexer.h"

#include <algorithm>
#include <limits>

namespace nucleus::policy::shell {
namespace {

constexpr std::size_t kNoPosition = std::numeric_limits<std::size_t>::max();

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Characters that end an unquoted word: blanks and the operator characters.
bool ends_word(char c) {
  return c == '\0' || is_blank(c) || c == '\n' || c == ';' || c == '&' || c == '|' ||
         c == '<' || c == '>' || c == '(' || c == ')';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

std::string substitution_error(std::string_view construct, std::string_view text) {
  return std::string(construct) + " " + quoted(text) +
         " is not allowed: the policy cannot see which program it runs";
}

}  // namespace

bool could_be_option(const Word& word) {
  if (!word.text.empty() && word.text.front() == '-') return true;
  return word.expands && (word.literal_prefix == 0 || word.may_split);
}

// Accumulates one word and the facts about it that Word records.
class Lexer::WordBuilder {
 public:
  bool empty() const { return word_.text.empty() && !word_.quoted; }
  std::size_t size() const { return word_.text.size(); }

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

char Lexer::raw_peek(std::size_t ahead) const {
  return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
}

void Lexer::skip_continuations() {
  while (pos_ + 1 < input_.size() && input_[pos_] == '\\' && input_[pos_ + 1] == '\n') {
    pos_ += 2;
  }
}

char Lexer::peek(std::size_t ahead) const {
  std::size_t at = pos_;
  for (std::size_t step = 0;; ++step) {
    while (at + 1 < input_.size() && input_[at] == '\\' && input_[at + 1] == '\n') at += 2;
    if (at >= input_.size()) return '\0';
    if (step == ahead) return input_[at];
    ++at;
  }
}

char Lexer::get() {
  skip_continuations();
  return pos_ < input_.size() ? input_[pos_++] : '\0';
}

void Lexer::skip_blanks_and_comments() {
  for (;;) {
    const char c = peek();
    if (is_blank(c)) {
      get();
    } else if (c == '#') {
      // A comment runs to the newline; backslash-newline does not continue it.
      skip_continuations();
      while (pos_ < input_.size() && input_[pos_] != '\n') ++pos_;
    } else {
      return;
    }
  }
}

Result<Token> Lexer::next() {
  skip_blanks_and_comments();
  const std::string previous_word = std::exchange(last_word_, {});
  const char c = peek();
  if (c == '\0') return Token{};
  if (c == '\n') {
    get();
    Token token;
    token.kind = TokenKind::separator;
    token.separator = Separator::newline;
    token.op = "\n";
    return token;
  }
  if (c == ';' || c == '&' || c == '|') return lex_separator();
  if (c == '<' || c == '>') return lex_redirection("");
  if (c == '(' || c == ')') {
    last_word_ = previous_word;
    return paren_error(c);
  }
  if (is_digit(c)) {
    std::size_t digits = 0;
    while (is_digit(peek(digits))) ++digits;
    const char after = peek(digits);
    if (after == '<' || after == '>') {
      std::string fd;
      for (std::size_t i = 0; i < digits; ++i) fd += get();
      return lex_redirection(std::move(fd));
    }
  }
  return lex_word();
}

Error Lexer::paren_error(char paren) const {
  if (paren == '(' && !last_word_.empty()) {
    std::size_t ahead = 1;
    while (is_blank(peek(ahead))) ++ahead;
    if (peek(ahead) == ')') {
      return make_error("function definition " + quoted(last_word_ + "()") +
                        " is not allowed: the policy only accepts simple commands");
    }
  }
  return make_error("subshell or group " + quoted(std::string(1, paren)) +
                    " is not allowed: the policy only accepts simple commands");
}

Result<Token> Lexer::lex_separator() {
  const char c = get();
  Token token;
  token.kind = TokenKind::separator;
  token.op = std::string(1, c);
  if (c == ';') {
    if (peek() == ';') {
      return make_error("\";;\" is not allowed: it ends a case branch, and case "
                        "statements are not supported");
    }
    token.separator = Separator::semicolon;
  } else if (c == '&') {
    if (peek() == '&') {
      token.op += get();
      token.separator = Separator::and_if;
    } else if (peek() == '>') {
      return lex_redirection("&");
    } else {
      token.separator = Separator::background;
    }
  } else {
    if (peek() == '|') {
      token.op += get();
      token.separator = Separator::or_if;
    } else if (peek() == '&') {
      token.op += get();
      token.separator = Separator::pipe_stderr;
    } else {
      token.separator = Separator::pipe;
    }
  }
  return token;
}

// `prefix` is a file descriptor number, "&" for "&>", or empty.
Result<Token> Lexer::lex_redirection(std::string prefix) {
  Token token;
  token.kind = TokenKind::redirection;
  token.op = std::move(prefix);
  const char c = get();
  token.op += c;
  const char n = peek();
  if (n == '(') {
    return make_error(substitution_error("process substitution", std::string(1, c) + "("));
  }
  if (c == '<' && n == '<') {
    const bool here_string = peek(1) == '<';
    return make_error(std::string(here_string ? "here-string \"<<<\"" : "here-document \"<<\"") +
                      " is not allowed: the policy only checks single-line commands");
  }
  const bool duplicates = token.op == "&>" ? false : n == '&';
  if ((c == '<' && (n == '>' || n == '&')) ||
      (c == '>' && (n == '>' || n == '|' || duplicates))) {
    token.op += get();
  }
  return token;
}

Result<Token> Lexer::lex_word() {
  WordBuilder word;
  if (dialect_ == Dialect::fish && peek() == '^') {
    return make_error("fish redirection \"^\" is not allowed: write \"2>\" instead");
  }
  for (char c = peek(); !ends_word(c); c = peek()) {
    std::string error;
    if (c == '\\') {
      error = lex_unquoted_backslash(word);
    } else if (c == '\'') {
      error = lex_single_quoted(word);
    } else if (c == '"') {
      error = lex_double_quoted(word);
    } else if (c == '$') {
      get();
      error = lex_dollar(word, false);
    } else if (c == '`') {
      error = substitution_error("command substitution", "`");
    } else {
      get();
      if (c == '*' || c == '?' || (c == '[' && !(word.empty() && ends_word(peek())))) {
        word.mark_expansion(word.size(), false);
      } else if (c == '~' && word.empty()) {
        word.mark_tilde();
      } else if (c == '=' && word.empty() && !ends_word(peek())) {
        // zsh replaces "=name" with the path of the program `name`.
        word.mark_expansion(0, false);
      }
      word.add_unquoted(c);
    }
    if (!error.empty()) return make_error(std::move(error));
  }
  Token token;
  token.kind = TokenKind::word;
  token.word = std::move(word).finish();
  last_word_ = token.word.text;
  return token;
}

std::string Lexer::lex_unquoted_backslash(WordBuilder& word) {
  get();
  const char escaped = raw_peek();
  if (escaped == '\0') {
    word.add_quoted('\\');  // a trailing backslash stays literal, as in bash
  } else {
    word.add_quoted(escaped);
    ++pos_;
  }
  return {};
}

std::string Lexer::lex_single_quoted(WordBuilder& word) {
  get();
  word.mark_quoted();
  // Single quotes are read raw: backslash-newline stays in the text.
  while (pos_ < input_.size()) {
    const char c = input_[pos_++];
    if (c == '\'') return {};
    word.add_quoted(c);
  }
  return "unterminated single quote: add the closing '";
}

std::string Lexer::lex_double_quoted(WordBuilder& word) {
  get();
  word.mark_quoted();
  for (;;) {
    if (at_end()) return "unterminated double quote: add the closing \"";
    const char c = get();
    if (c == '"') return {};
    if (c == '\\') {
      const char escaped = raw_peek();
      if (escaped == '$' || escaped == '`' || escaped == '"' || escaped == '\\') {
        word.add_quoted(escaped);
        ++pos_;
      } else {
        word.add_quoted('\\');
      }
    } else if (c == '$') {
      std::string error = lex_dollar(word, true);
      if (!error.empty()) return error;
    } else if (c == '`') {
      return substitution_error("command substitution", "`");
    } else {
      word.add_quoted(c);
    }
  }
}

// Called after the '$' has been consumed.
std::string Lexer::lex_dollar(WordBuilder& word, bool in_double_quotes) {
  const char n = peek();
  if (n == '(') {
    if (peek(1) == '(') return substitution_error("arithmetic expansion", "$((");
    return substitution_error("command substitution", "$(");
  }
  if (n == '[') return substitution_error("arithmetic expansion", "$[");
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
  } else if (is_digit(n) || std::string_view("@*#?$!-").find(n) != std::string_view::npos) {
    word.add(get(), in_double_quotes);
    word.mark_expansion(start, !in_double_quotes || n == '@');
  } else if (n == '=' || n == '~' || n == '^' || n == '+') {
    // zsh parameter flags such as "$=name" split or glob the value.
    word.mark_expansion(start, true);
  }
  return {};
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
  return {};
}

}  // namespace nucleus::policy::shell
