// CommandRule: prefix and structured rules, matching, validation and the
// canonical text.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "policy/command_rule.h"

namespace nucleus::policy {
namespace {

Invocation invocation(std::vector<std::string> argv) {
  Invocation out;
  const std::string& first = argv.front();
  out.program = first.substr(first.rfind('/') == std::string::npos ? 0 : first.rfind('/') + 1);
  out.argv = std::move(argv);
  return out;
}

std::string show(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += "[" + word + "]";
  return out;
}

struct MatchCase {
  const char* name;
  bool structured;
  std::string rule;                // prefix text, or the program of a structured rule
  std::vector<std::string> args;   // patterns of a structured rule
  std::vector<std::string> argv;   // the invocation
  bool matches;
};

void PrintTo(const MatchCase& c, std::ostream* out) { *out << c.rule << " vs " << show(c.argv); }

class CommandRuleMatch : public testing::TestWithParam<MatchCase> {};

TEST_P(CommandRuleMatch, AgreesWithExpectation) {
  const MatchCase& c = GetParam();
  auto rule = c.structured ? CommandRule::structured(c.rule, c.args) : CommandRule::prefix(c.rule);
  ASSERT_TRUE(rule.ok()) << rule.error();
  SCOPED_TRACE("rule: " + rule->text() + ", argv: " + show(c.argv));
  EXPECT_EQ(rule->matches(invocation(c.argv)), c.matches);
}

std::string match_name(const testing::TestParamInfo<MatchCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Prefix, CommandRuleMatch,
    testing::Values(
        MatchCase{"ProgramAloneMatchesBare", false, "git", {}, {"git"}, true},
        MatchCase{"ProgramAloneMatchesAnyArguments", false, "git", {}, {"git", "push", "-f"}, true},
        MatchCase{"ProgramMatchesAbsolutePath", false, "git", {}, {"/usr/bin/git", "status"}, true},
        MatchCase{"ProgramMatchesRelativePath", false, "git", {}, {"./git"}, true},
        MatchCase{"OtherProgram", false, "git", {}, {"gitk"}, false},
        MatchCase{"ProgramIsCaseSensitive", false, "Git", {}, {"git"}, false},
        MatchCase{"SubcommandMatches", false, "git push", {}, {"git", "push"}, true},
        MatchCase{"SubcommandWithMoreArguments", false, "git push", {}, {"git", "push", "origin", "main"}, true},
        MatchCase{"OtherSubcommand", false, "git push", {}, {"git", "pull"}, false},
        MatchCase{"TooFewArguments", false, "git push", {}, {"git"}, false},
        MatchCase{"WordsComparedByPosition", false, "git push", {}, {"git", "--no-pager", "push"}, false},
        MatchCase{"WordPrefixIsNotEnough", false, "git push", {}, {"git", "pushx"}, false},
        MatchCase{"ThreeWords", false, "git push --force", {}, {"git", "push", "--force", "o"}, true},
        MatchCase{"ShortFlagIsAnotherWord", false, "git push --force", {}, {"git", "push", "-f"}, false},
        MatchCase{"QuotedWordWithSpace", false, "git commit -m 'a b'", {}, {"git", "commit", "-m", "a b"}, true},
        MatchCase{"StarIsLiteralInPrefix", false, "rm -rf '*'", {}, {"rm", "-rf", "*"}, true},
        MatchCase{"StarDoesNotMatchOtherWords", false, "rm -rf '*'", {}, {"rm", "-rf", "/"}, false},
        MatchCase{"DollarIsLiteralInPrefix", false, "echo $HOME", {}, {"echo", "$HOME"}, true},
        MatchCase{"PathRuleWordIsExact", false, "cat /etc/passwd", {}, {"cat", "/etc/passwd"}, true},
        MatchCase{"PathRuleDoesNotNormalize", false, "cat /etc/passwd", {}, {"cat", "/etc//passwd"}, false}),
    match_name);

INSTANTIATE_TEST_SUITE_P(
    Structured, CommandRuleMatch,
    testing::Values(
        MatchCase{"RestMatchesNone", true, "git", {"push", "*"}, {"git", "push"}, true},
        MatchCase{"RestMatchesMany", true, "git", {"push", "*"}, {"git", "push", "origin", "main"}, true},
        MatchCase{"RestNeedsTheFixedPart", true, "git", {"push", "*"}, {"git"}, false},
        MatchCase{"RestWrongSubcommand", true, "git", {"push", "*"}, {"git", "pull"}, false},
        MatchCase{"ExactCountMatches", true, "git", {"push"}, {"git", "push"}, true},
        MatchCase{"ExactCountRejectsExtra", true, "git", {"push"}, {"git", "push", "x"}, false},
        MatchCase{"NoArgumentsMatchesBare", true, "git", {}, {"git"}, true},
        MatchCase{"NoArgumentsRejectsAny", true, "git", {}, {"git", "status"}, false},
        MatchCase{"LoneStarMatchesNone", true, "git", {"*"}, {"git"}, true},
        MatchCase{"LoneStarMatchesAll", true, "git", {"*"}, {"git", "a", "b", "c"}, true},
        MatchCase{"InnerStarIsOneArgument", true, "git", {"*", "main"}, {"git", "push", "main"}, true},
        MatchCase{"InnerStarNeedsAnArgument", true, "git", {"*", "main"}, {"git", "main"}, false},
        MatchCase{"StarCrossesSlashes", true, "rm", {"-rf", "/tmp/*"}, {"rm", "-rf", "/tmp/a/b"}, true},
        MatchCase{"StarStaysInPrefix", true, "rm", {"-rf", "/tmp/*"}, {"rm", "-rf", "/etc"}, false},
        MatchCase{"StarMatchesEmpty", true, "rm", {"/tmp/*"}, {"rm", "/tmp/"}, true},
        MatchCase{"UrlPattern", true, "curl", {"https://example.com/*"}, {"curl", "https://example.com/a/b?x=1"}, true},
        MatchCase{"UrlPatternOtherScheme", true, "curl", {"https://example.com/*"}, {"curl", "http://example.com/a"}, false},
        MatchCase{"QuestionMarkOneByte", true, "git", {"checkout", "feature-?"}, {"git", "checkout", "feature-1"}, true},
        MatchCase{"QuestionMarkNotTwo", true, "git", {"checkout", "feature-?"}, {"git", "checkout", "feature-12"}, false},
        MatchCase{"QuestionMarkNotZero", true, "git", {"checkout", "feature-?"}, {"git", "checkout", "feature-"}, false},
        MatchCase{"ClassRange", true, "git", {"checkout", "[a-c]*"}, {"git", "checkout", "bugfix"}, true},
        MatchCase{"ClassRangeMiss", true, "git", {"checkout", "[a-c]*"}, {"git", "checkout", "main"}, false},
        MatchCase{"NegatedClass", true, "git", {"checkout", "[!m]*"}, {"git", "checkout", "dev"}, true},
        MatchCase{"NegatedClassMiss", true, "git", {"checkout", "[!m]*"}, {"git", "checkout", "main"}, false},
        MatchCase{"CaretNegation", true, "git", {"checkout", "[^m]*"}, {"git", "checkout", "main"}, false},
        MatchCase{"BracketFirstInClass", true, "echo", {"[]x]"}, {"echo", "]"}, true},
        MatchCase{"EscapedStarIsLiteral", true, "echo", {"\\*"}, {"echo", "*"}, true},
        MatchCase{"EscapedStarRejectsOthers", true, "echo", {"\\*"}, {"echo", "x"}, false},
        MatchCase{"EmptyPatternMatchesEmpty", true, "echo", {""}, {"echo", ""}, true},
        MatchCase{"EmptyPatternRejectsText", true, "echo", {""}, {"echo", "x"}, false},
        MatchCase{"SeveralStars", true, "make", {"*-*-*"}, {"make", "a-b-c-d"}, true},
        MatchCase{"SeveralStarsMiss", true, "make", {"*-*-*"}, {"make", "a-b"}, false},
        MatchCase{"ProgramByBaseName", true, "git", {"status"}, {"/usr/bin/git", "status"}, true},
        MatchCase{"ProgramMustBeEqual", true, "git", {"*"}, {"git-lfs"}, false}),
    match_name);

struct InvalidCase {
  const char* name;
  bool structured;
  std::string rule;
  std::vector<std::string> args;
  std::string message;  // expected substring
};

void PrintTo(const InvalidCase& c, std::ostream* out) { *out << c.rule; }

class CommandRuleInvalid : public testing::TestWithParam<InvalidCase> {};

TEST_P(CommandRuleInvalid, IsRejectedWithReason) {
  const InvalidCase& c = GetParam();
  auto rule = c.structured ? CommandRule::structured(c.rule, c.args) : CommandRule::prefix(c.rule);
  ASSERT_FALSE(rule.ok()) << "accepted as " << rule->text();
  EXPECT_NE(rule.error().find(c.message), std::string::npos) << rule.error();
}

std::string invalid_name(const testing::TestParamInfo<InvalidCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Prefix, CommandRuleInvalid,
    testing::Values(
        InvalidCase{"Empty", false, "", {}, "the rule is empty"},
        InvalidCase{"Blank", false, "  \t", {}, "the rule is empty"},
        InvalidCase{"OnlyComment", false, "# git", {}, "the rule is empty"},
        InvalidCase{"Semicolon", false, "git; rm", {}, "a rule is one command"},
        InvalidCase{"And", false, "git && rm", {}, "a rule is one command"},
        InvalidCase{"Pipe", false, "git | sh", {}, "a rule is one command"},
        InvalidCase{"Newline", false, "git\nrm", {}, "a rule is one command"},
        InvalidCase{"ProgramPath", false, "/usr/bin/git status", {}, "base name without '/'"},
        InvalidCase{"RelativeProgramPath", false, "./git", {}, "base name without '/'"},
        InvalidCase{"CommandSubstitution", false, "git $(x)", {}, "command substitution"},
        InvalidCase{"Backticks", false, "git `x`", {}, "command substitution"},
        InvalidCase{"Assignment", false, "FOO=1 git", {}, "NAME=value assignment"},
        InvalidCase{"Redirection", false, "git log > out", {}, "redirections"},
        InvalidCase{"Negation", false, "! git", {}, "cannot start with \"!\""},
        InvalidCase{"NulByte", false, std::string("git\0x", 5), {}, "NUL byte"},
        InvalidCase{"UnterminatedQuote", false, "git 'x", {}, "unterminated single quote"},
        InvalidCase{"Keyword", false, "if x", {}, "shell keyword \"if\""},
        InvalidCase{"EmptyProgram", false, "'' x", {}, "the program name is empty"}),
    invalid_name);

INSTANTIATE_TEST_SUITE_P(
    Structured, CommandRuleInvalid,
    testing::Values(
        InvalidCase{"EmptyProgram", true, "", {}, "the program name is empty"},
        InvalidCase{"ProgramPath", true, "/usr/bin/git", {}, "base name without '/'"},
        InvalidCase{"ProgramWithSeparator", true, "git;rm", {}, "shell operators"},
        InvalidCase{"ProgramWithSpace", true, "git status", {}, "spaces"},
        InvalidCase{"ProgramWithSubstitution", true, "$(x)", {}, "shell operators"},
        InvalidCase{"ProgramWithNul", true, std::string("gi\0t", 4), {}, "NUL byte"},
        InvalidCase{"UnterminatedClass", true, "git", {"[abc"}, "unterminated character class"},
        InvalidCase{"ReversedRange", true, "git", {"[z-a]"}, "reversed range"},
        InvalidCase{"TrailingBackslash", true, "git", {"abc\\"}, "trailing backslash"},
        InvalidCase{"PatternWithNul", true, "git", {std::string("a\0b", 3)}, "NUL byte"},
        InvalidCase{"LaterPatternChecked", true, "git", {"ok", "*", "[x"}, "argument pattern \"[x\""}),
    invalid_name);

TEST(CommandRule, PrefixTextIsCanonical) {
  auto spaced = CommandRule::prefix("  git   push  ");
  ASSERT_TRUE(spaced.ok()) << spaced.error();
  EXPECT_EQ(spaced->text(), "git push");
  auto quoted = CommandRule::prefix("\"git\" 'push'");
  ASSERT_TRUE(quoted.ok()) << quoted.error();
  EXPECT_EQ(quoted->text(), "git push");
  EXPECT_EQ(*spaced, *quoted);
}

TEST(CommandRule, PrefixTextQuotesWhereNeeded) {
  auto with_space = CommandRule::prefix("git commit -m \"a b\"");
  ASSERT_TRUE(with_space.ok()) << with_space.error();
  EXPECT_EQ(with_space->text(), "git commit -m 'a b'");
  auto with_quote = CommandRule::prefix("echo \"it's\"");
  ASSERT_TRUE(with_quote.ok()) << with_quote.error();
  EXPECT_EQ(with_quote->text(), "echo 'it'\\''s'");
  auto with_bracket = CommandRule::prefix("git [push]");
  ASSERT_TRUE(with_bracket.ok()) << with_bracket.error();
  EXPECT_EQ(with_bracket->text(), "git '[push]'");
  auto with_equals = CommandRule::prefix("'A=1' x=2");
  ASSERT_TRUE(with_equals.ok()) << with_equals.error();
  EXPECT_EQ(with_equals->text(), "'A=1' x=2");
}

TEST(CommandRule, StructuredTextLists) {
  auto rest = CommandRule::structured("git", {"push", "*"});
  ASSERT_TRUE(rest.ok()) << rest.error();
  EXPECT_EQ(rest->text(), "git [push, *]");
  auto none = CommandRule::structured("git", {});
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->text(), "git []");
  auto special = CommandRule::structured("echo", {"", "a, b", "say \"hi\"", "\\*"});
  ASSERT_TRUE(special.ok()) << special.error();
  EXPECT_EQ(special->text(), "echo [\"\", \"a, b\", \"say \\\"hi\\\"\", \"\\\\*\"]");
}

TEST(CommandRule, PrefixAndStructuredNeverShareText) {
  auto prefix = CommandRule::prefix("git '[push]'");
  auto structured = CommandRule::structured("git", {"push"});
  ASSERT_TRUE(prefix.ok()) << prefix.error();
  ASSERT_TRUE(structured.ok()) << structured.error();
  EXPECT_NE(prefix->text(), structured->text());
  EXPECT_NE(*prefix, *structured);
}

TEST(CommandRule, ListPunctuationKeepsRulesApart) {
  auto one = CommandRule::structured("git", {"a, b"});
  auto two = CommandRule::structured("git", {"a", "b"});
  ASSERT_TRUE(one.ok()) << one.error();
  ASSERT_TRUE(two.ok()) << two.error();
  EXPECT_NE(one->text(), two->text());
}

TEST(CommandRule, OrdersByText) {
  std::vector<CommandRule> rules;
  for (const char* text : {"ls", "git push", "cat", "git"}) {
    auto rule = CommandRule::prefix(text);
    ASSERT_TRUE(rule.ok()) << rule.error();
    rules.push_back(*rule);
  }
  std::sort(rules.begin(), rules.end());
  std::vector<std::string> texts;
  for (const auto& rule : rules) texts.push_back(rule.text());
  EXPECT_EQ(texts, (std::vector<std::string>{"cat", "git", "git push", "ls"}));
}

TEST(CommandRule, WildcardStaysFastOnPathologicalInput) {
  // A backtracking matcher needs exponential time here; this one retries
  // only from the last '*'.
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  auto rule = CommandRule::structured("x", {pattern});
  ASSERT_TRUE(rule.ok()) << rule.error();
  EXPECT_FALSE(rule->matches(invocation({"x", std::string(5000, 'a')})));
  EXPECT_TRUE(rule->matches(invocation({"x", std::string(5000, 'a') + "b"})));
}

// Words of mixed plain and special characters.
rc::Gen<std::string> rule_word() {
  return rc::gen::container<std::string>(
      rc::gen::elementOf(std::string("abc/.-_=*?[] '\"$;|&<>(){}#~!\\\t\n")));
}

std::string single_quote(const std::string& word) {
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

RC_GTEST_PROP(CommandRuleProperty, PrefixTextRoundTrips, ()) {
  const auto program = "p" + *rc::gen::container<std::string>(
                                  rc::gen::elementOf(std::string("abc.-_=*?[]'\"$;& ")));
  const auto args = *rc::gen::container<std::vector<std::string>>(rule_word());
  std::string text = single_quote(program);
  for (const auto& arg : args) text += " " + single_quote(arg);
  auto rule = CommandRule::prefix(text);
  RC_ASSERT(rule.ok());
  auto again = CommandRule::prefix(rule->text());
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *rule);
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  RC_ASSERT(rule->matches(invocation(argv)));
  RC_ASSERT(again->matches(invocation(argv)));
}

RC_GTEST_PROP(CommandRuleProperty, StructuredTextIsInjective, ()) {
  const auto pattern = rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab*?, \"")));
  const auto first = *rc::gen::container<std::vector<std::string>>(pattern);
  const auto second = *rc::gen::container<std::vector<std::string>>(pattern);
  auto one = CommandRule::structured("git", first);
  auto two = CommandRule::structured("git", second);
  RC_ASSERT(one.ok());
  RC_ASSERT(two.ok());
  RC_ASSERT((one->text() == two->text()) == (first == second));
}

RC_GTEST_PROP(CommandRuleProperty, LiteralPatternMatchesItself, ()) {
  const auto text = *rc::gen::container<std::string>(
      rc::gen::suchThat<char>([](char c) { return c != '\0' && c != '*' && c != '?' && c != '[' && c != '\\'; }));
  auto rule = CommandRule::structured("x", {text});
  RC_ASSERT(rule.ok());
  RC_ASSERT(rule->matches(invocation({"x", text})));
  RC_ASSERT(!rule->matches(invocation({"x", text + "y"})));
}

RC_GTEST_PROP(CommandRuleProperty, TrailingStarMatchesAnySuffix, ()) {
  const auto prefix = *rc::gen::container<std::string>(rc::gen::elementOf(std::string("abc/.-")));
  const auto suffix = *rc::gen::container<std::string>(rc::gen::suchThat<char>([](char c) { return c != '\0'; }));
  auto rule = CommandRule::structured("x", {prefix + "*"});
  RC_ASSERT(rule.ok());
  RC_ASSERT(rule->matches(invocation({"x", prefix + suffix})));
}

}  // namespace
}  // namespace nucleus::policy
