// Tokenizer for shell command lines, private to the policy library. It turns
// a line into words (after quote removal), separators and redirection
// operators, and rejects every construct that would run a command the
// policy cannot see. shell_parse.h groups the tokens into simple commands.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::policy::shell {

// Maximum length of a command line, in bytes.
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

// Shell grammar differences that matter for the policy. Bash, dash, zsh and
// the ksh family share `posix`. Fish reads backslashes and '^' differently,
// so the fish dialect rejects them instead of guessing.
enum class Dialect { posix, fish };

// A word after quote removal, plus what the shell would still do to it when
// the command runs. `text` keeps expansions literally ("$HOME", "*.txt").
struct Word {
  std::string text;
  // The final text is unknown: an active '$' (unquoted or inside double
  // quotes), an unquoted glob character, a brace expansion, or text that
  // xargs or find substitutes in at run time.
  bool expands = false;
  // The expansion may turn into zero or several words: an unquoted
  // parameter expansion, or "$@" and "${name[@]}" even inside quotes.
  bool may_split = false;
  // Starts with an unquoted '~', which the shell replaces with a home
  // directory.
  bool tilde = false;
  // Leading bytes of `text` that are final even when `expands` is set.
  std::size_t literal_prefix = 0;
  // Leading bytes of `text` that came from unquoted, unescaped characters.
  // An assignment needs its NAME and '=' in this part.
  std::size_t unquoted_prefix = 0;
  // Some part of the word was quoted or escaped.
  bool quoted = false;
};

// True when `word` may make the program see an argument that starts with
// '-': it does so literally, or an expansion at its start or a field split
// could produce one.
bool could_be_option(const Word& word);

enum class TokenKind { word, separator, redirection, end };

enum class Separator { semicolon, newline, background, and_if, or_if, pipe, pipe_stderr };

struct Token {
  TokenKind kind = TokenKind::end;
  Word word;                                  // kind == word
  Separator separator = Separator::semicolon;  // kind == separator
  // kind == redirection: the operator as written, with any file descriptor
  // prefix: "<", ">", ">>", ">|", "<>", "&>", "&>>", "2>", "2>&", "<&".
  // kind == separator: the separator as written ("\n" for a newline).
  std::string op;
};

class Lexer {
 public:
  // `input` must outlive the lexer. Length and NUL checks are the caller's.
  Lexer(std::string_view input, Dialect dialect) : input_(input), dialect_(dialect) {}

  // The next token, or an error naming the construct that cannot be
  // allowed. After an error or an `end` token the lexer must not be used.
  Result<Token> next();

 private:
  class WordBuilder;

  // Input access that drops backslash-newline pairs the way the shell's
  // input layer does everywhere except inside single quotes and comments.
  // Index of the next character at or after `at`, past any
  // backslash-newline pairs.
  std::size_t next_char_at(std::size_t at) const;
  char peek(std::size_t ahead = 0) const;
  char get();
  bool at_end() const { return peek() == '\0'; }
  char raw_peek(std::size_t ahead = 0) const;
  void skip_continuations();

  void skip_blanks_and_comments();
  Result<Token> lex_separator();
  Result<Token> lex_redirection(std::string fd_prefix);
  Result<Token> lex_word();
  Error paren_error(char paren) const;

  // Each returns an error message, or an empty string when the construct
  // was consumed into `word`.
  std::string lex_single_quoted(WordBuilder& word);
  std::string lex_double_quoted(WordBuilder& word);
  std::string lex_dollar(WordBuilder& word, bool in_double_quotes);
  std::string lex_braced_parameter(WordBuilder& word, bool in_double_quotes);
  std::string lex_unquoted_backslash(WordBuilder& word);
  std::string check_no_subscript(const WordBuilder& word, std::size_t start) const;

  std::string_view input_;
  std::size_t pos_ = 0;
  Dialect dialect_;
  // The word token just before the current one, for naming function
  // definitions such as "f()".
  std::string last_word_;
};

// Validate the inside of "${...}" and return an empty string, or the reason
// it is rejected. Only forms that cannot run a command through bash's
// arithmetic evaluation, indirection or prompt expansion are accepted.
std::string check_braced_parameter(std::string_view inside);

}  // namespace nucleus::policy::shell
