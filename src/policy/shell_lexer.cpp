#include "policy/shell_lexer.h"

#include "policy/shell_lexer_internal.h"

namespace nucleus::policy::shell {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool could_be_option(const Word& word) {
  if (!word.text.empty() && word.text.front() == '-') return true;
  return word.expands && (word.literal_prefix == 0 || word.may_split);
}

char Lexer::raw_peek(std::size_t ahead) const {
  return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
}

void Lexer::skip_continuations() {
  while (pos_ + 1 < input_.size() && input_[pos_] == '\\' && input_[pos_ + 1] == '\n') {
    pos_ += 2;
  }
}

std::size_t Lexer::next_char_at(std::size_t at) const {
  while (at + 1 < input_.size() && input_[at] == '\\' && input_[at + 1] == '\n') at += 2;
  return at;
}

char Lexer::peek(std::size_t ahead) const {
  std::size_t at = next_char_at(pos_);
  for (std::size_t step = 0; step < ahead && at < input_.size(); ++step) {
    at = next_char_at(at + 1);
  }
  return at < input_.size() ? input_[at] : '\0';
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
    std::size_t at = next_char_at(pos_);
    while (at < input_.size() && is_digit(input_[at])) at = next_char_at(at + 1);
    if (at < input_.size() && (input_[at] == '<' || input_[at] == '>')) {
      std::string fd;
      while (is_digit(peek())) fd += get();
      return lex_redirection(std::move(fd));
    }
  }
  return lex_word();
}

Error Lexer::paren_error(char paren) const {
  if (paren == '(' && !last_word_.empty()) {
    std::size_t at = next_char_at(next_char_at(pos_) + 1);
    while (at < input_.size() && is_blank(input_[at])) at = next_char_at(at + 1);
    if (at < input_.size() && input_[at] == ')') {
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

}  // namespace nucleus::policy::shell
