// split_command_line(): POSIX quoting, separators, assignments,
// redirections, and every construct it must reject.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "policy/shell.h"

namespace nucleus::policy {
namespace {

using Argvs = std::vector<std::vector<std::string>>;

std::string show(const std::vector<std::string>& words) {
  std::string out = "[";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += ", ";
    out += "\"" + words[i] + "\"";
  }
  return out + "]";
}

Argvs argvs_of(const std::vector<SimpleCommand>& commands) {
  Argvs out;
  for (const SimpleCommand& command : commands) out.push_back(command.argv);
  return out;
}

struct SplitCase {
  const char* name;
  std::string line;
  Argvs expected;
};

void PrintTo(const SplitCase& c, std::ostream* out) { *out << c.line; }

class ShellSplitAccepts : public testing::TestWithParam<SplitCase> {};

TEST_P(ShellSplitAccepts, GivesExpectedArgv) {
  const SplitCase& c = GetParam();
  SCOPED_TRACE("line: " + c.line);
  auto commands = split_command_line(c.line);
  ASSERT_TRUE(commands.ok()) << commands.error();
  const Argvs actual = argvs_of(*commands);
  ASSERT_EQ(actual.size(), c.expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i], c.expected[i]) << "command " << i << ": " << show(actual[i]);
  }
}

std::string case_name(const testing::TestParamInfo<SplitCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Quoting, ShellSplitAccepts,
    testing::Values(
        SplitCase{"SingleQuotesKeepSeparators", "echo 'a;b|c&&d >x $(y)'",
                  {{"echo", "a;b|c&&d >x $(y)"}}},
        SplitCase{"AdjacentSingleQuotesJoin", "'su''do' x", {{"sudo", "x"}}},
        SplitCase{"BackslashEscapesLetter", "s\\udo x", {{"sudo", "x"}}},
        SplitCase{"DoubleQuotedProgram", "\"sudo\" x", {{"sudo", "x"}}},
        SplitCase{"EmptyQuotesInsideWord", "su\"\"do x", {{"sudo", "x"}}},
        SplitCase{"EscapedQuoteInDoubleQuotes", "echo \"a\\\"b\"", {{"echo", "a\"b"}}},
        SplitCase{"EscapedBackslashInDoubleQuotes", "echo \"a\\\\b\"", {{"echo", "a\\b"}}},
        SplitCase{"OtherBackslashKeptInDoubleQuotes", "echo \"a\\b\"", {{"echo", "a\\b"}}},
        SplitCase{"EscapedDollarInDoubleQuotes", "echo \"\\$HOME\"", {{"echo", "$HOME"}}},
        SplitCase{"EscapedBacktickInDoubleQuotes", "echo \"\\`x\\`\"", {{"echo", "`x`"}}},
        SplitCase{"BackslashLiteralInSingleQuotes", "echo 'a\\b'", {{"echo", "a\\b"}}},
        SplitCase{"EscapedSpaceJoinsWord", "echo a\\ b", {{"echo", "a b"}}},
        SplitCase{"EscapedSingleQuote", "echo \\'", {{"echo", "'"}}},
        SplitCase{"EscapedSemicolon", "echo a\\;b", {{"echo", "a;b"}}},
        SplitCase{"SingleQuoteInsideDoubleQuotes", "echo \"it's\"", {{"echo", "it's"}}},
        SplitCase{"DoubleQuoteInsideSingleQuotes", "echo 'say \"hi\"'", {{"echo", "say \"hi\""}}},
        SplitCase{"EmptyQuotedArgument", "echo ''", {{"echo", ""}}},
        SplitCase{"EmptyDoubleQuotedArgument", "echo \"\" x", {{"echo", "", "x"}}},
        SplitCase{"TrailingBackslashIsLiteral", "echo a\\", {{"echo", "a\\"}}},
        SplitCase{"ContinuationJoinsWord", "ec\\\nho hi", {{"echo", "hi"}}},
        SplitCase{"ContinuationBetweenWords", "echo a \\\n b", {{"echo", "a", "b"}}},
        SplitCase{"ContinuationInDoubleQuotes", "echo \"a\\\nb\"", {{"echo", "ab"}}},
        SplitCase{"SingleQuotesKeepBackslashNewline", "echo 'a\\\nb'", {{"echo", "a\\\nb"}}},
        SplitCase{"EscapedBackslashThenNewline", "echo a\\\\\necho b",
                  {{"echo", "a\\"}, {"echo", "b"}}},
        SplitCase{"TabsSeparateWords", "echo\ta\t\tb", {{"echo", "a", "b"}}},
        SplitCase{"CarriageReturnStaysInWord", "sudo\r x", {{"sudo\r", "x"}}},
        SplitCase{"CyrillicLookAlikeKeptVerbatim", "\xD1\x95udo x", {{"\xD1\x95udo", "x"}}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Expansions, ShellSplitAccepts,
    testing::Values(
        SplitCase{"VariableKeptLiterally", "echo $HOME ${USER}", {{"echo", "$HOME", "${USER}"}}},
        SplitCase{"VariableInDoubleQuotes", "echo \"$HOME/x\"", {{"echo", "$HOME/x"}}},
        SplitCase{"SpecialParameters", "echo $? $# $@ $1 $$", {{"echo", "$?", "$#", "$@", "$1", "$$"}}},
        SplitCase{"DefaultValueForm", "echo ${X:-default}", {{"echo", "${X:-default}"}}},
        SplitCase{"PatternRemovalForm", "echo ${X%.txt} ${X##*/}", {{"echo", "${X%.txt}", "${X##*/}"}}},
        SplitCase{"LengthForm", "echo ${#X} ${#arr[@]}", {{"echo", "${#X}", "${#arr[@]}"}}},
        SplitCase{"LiteralSubstring", "echo ${X:1:2}", {{"echo", "${X:1:2}"}}},
        SplitCase{"NumericSubscript", "echo ${arr[0]} \"${arr[@]}\"", {{"echo", "${arr[0]}", "${arr[@]}"}}},
        SplitCase{"NameListing", "echo ${!BASH@}", {{"echo", "${!BASH@}"}}},
        SplitCase{"LoneDollarIsLiteral", "echo $ a$", {{"echo", "$", "a$"}}},
        SplitCase{"DollarBeforeClosingQuote", "echo \"a$\"", {{"echo", "a$"}}},
        SplitCase{"GlobKeptLiterally", "ls *.txt a?c [ab]x", {{"ls", "*.txt", "a?c", "[ab]x"}}},
        SplitCase{"TildeKeptLiterally", "ls ~/x ~", {{"ls", "~/x", "~"}}},
        SplitCase{"BracesKeptLiterally", "echo {a,b} {1..3}", {{"echo", "{a,b}", "{1..3}"}}},
        SplitCase{"SubstitutionTextInSingleQuotes", "echo '$(id) `id` $((1))'",
                  {{"echo", "$(id) `id` $((1))"}}},
        SplitCase{"EscapedSubstitution", "echo \\$\\(id\\)", {{"echo", "$(id)"}}},
        SplitCase{"TestBracketProgram", "[ -f x ]", {{"[", "-f", "x", "]"}}},
        SplitCase{"QuotedBracketAfterVariable", "echo \"$a\"[i] $a\\[", {{"echo", "$a[i]", "$a["}}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    Separators, ShellSplitAccepts,
    testing::Values(
        SplitCase{"Semicolon", "a 1; b 2", {{"a", "1"}, {"b", "2"}}},
        SplitCase{"SemicolonWithoutSpaces", "a;b", {{"a"}, {"b"}}},
        SplitCase{"And", "a && b", {{"a"}, {"b"}}},
        SplitCase{"AndWithoutSpaces", "a&&b", {{"a"}, {"b"}}},
        SplitCase{"Or", "a || b", {{"a"}, {"b"}}},
        SplitCase{"OrWithoutSpaces", "a||b", {{"a"}, {"b"}}},
        SplitCase{"Pipe", "a | b | c", {{"a"}, {"b"}, {"c"}}},
        SplitCase{"PipeWithoutSpaces", "a|b", {{"a"}, {"b"}}},
        SplitCase{"PipeStderr", "a |& b", {{"a"}, {"b"}}},
        SplitCase{"Background", "a & b", {{"a"}, {"b"}}},
        SplitCase{"Newline", "a\nb", {{"a"}, {"b"}}},
        SplitCase{"TrailingSemicolon", "a;", {{"a"}}},
        SplitCase{"TrailingBackground", "a &", {{"a"}}},
        SplitCase{"BackgroundThenNewline", "a &\nb", {{"a"}, {"b"}}},
        SplitCase{"BlankLines", "\n\na\n\n\nb\n", {{"a"}, {"b"}}},
        SplitCase{"NewlineAfterAnd", "a &&\n b", {{"a"}, {"b"}}},
        SplitCase{"NewlineAfterPipe", "a |\n\n b", {{"a"}, {"b"}}},
        SplitCase{"EmptyLine", "", {}},
        SplitCase{"OnlyBlanks", "  \t ", {}},
        SplitCase{"OnlyComment", "# nothing here", {}},
        SplitCase{"CommentAfterCommand", "echo hi # rm -rf /", {{"echo", "hi"}}},
        SplitCase{"HashInsideWordIsLiteral", "echo a#b", {{"echo", "a#b"}}},
        SplitCase{"HashAfterQuotesIsLiteral", "echo ''#b", {{"echo", "#b"}}},
        SplitCase{"CommentAfterSeparator", "echo x;#c", {{"echo", "x"}}},
        SplitCase{"CommentEndsAtNewline", "echo a # x\necho b", {{"echo", "a"}, {"echo", "b"}}},
        SplitCase{"CommentIsNotContinued", "echo a # x \\\necho b", {{"echo", "a"}, {"echo", "b"}}},
        SplitCase{"NegationDropped", "! grep x f", {{"grep", "x", "f"}}},
        SplitCase{"NegationInPipeline", "a | ! b", {{"a"}, {"b"}}},
        SplitCase{"QuotedBangIsAProgram", "'!' x", {{"!", "x"}}},
        SplitCase{"KeywordAsArgument", "echo if then fi { } [[", {{"echo", "if", "then", "fi", "{", "}", "[["}}}),
    case_name);

struct RejectCase {
  const char* name;
  std::string line;
  std::string message;  // expected substring of the error
};

void PrintTo(const RejectCase& c, std::ostream* out) { *out << c.line; }

class ShellSplitRejects : public testing::TestWithParam<RejectCase> {};

TEST_P(ShellSplitRejects, NamesTheConstruct) {
  const RejectCase& c = GetParam();
  SCOPED_TRACE("line: " + c.line);
  auto commands = split_command_line(c.line);
  ASSERT_FALSE(commands.ok()) << "accepted, commands: " << commands->size();
  EXPECT_NE(commands.error().find(c.message), std::string::npos) << commands.error();
}

std::string reject_name(const testing::TestParamInfo<RejectCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Substitutions, ShellSplitRejects,
    testing::Values(
        RejectCase{"CommandSubstitution", "echo $(id)",
                   "command substitution \"$(\" is not allowed: the policy cannot see which "
                   "program it runs"},
        RejectCase{"CommandSubstitutionInDoubleQuotes", "echo \"$(id)\"", "command substitution \"$(\""},
        RejectCase{"CommandSubstitutionAsProgram", "$(echo sudo) x", "command substitution \"$(\""},
        RejectCase{"Backticks", "echo `id`", "command substitution \"`\""},
        RejectCase{"BackticksInDoubleQuotes", "echo \"`id`\"", "command substitution \"`\""},
        RejectCase{"ContinuationHidesSubstitution", "echo \"$\\\n(id)\"", "command substitution \"$(\""},
        RejectCase{"ContinuationHidesUnquotedSubstitution", "echo $\\\n(id)", "command substitution \"$(\""},
        RejectCase{"Arithmetic", "echo $((1+2))", "arithmetic expansion \"$((\""},
        RejectCase{"OldArithmetic", "echo $[1+2]", "arithmetic expansion \"$[\""},
        RejectCase{"ProcessSubstitutionInput", "diff <(a) b", "process substitution \"<(\""},
        RejectCase{"ProcessSubstitutionOutput", "tee >(cat)", "process substitution \">(\""},
        RejectCase{"ProcessSubstitutionAfterWord", "cat x<(ls)", "process substitution \"<(\""},
        RejectCase{"AnsiCQuoting", "echo $'\\x73udo'", "ANSI-C quoting \"$'\""},
        RejectCase{"AnsiCQuotingAsProgram", "$'sudo' x", "ANSI-C quoting"},
        RejectCase{"LocaleQuoting", "echo $\"x\"", "locale translation"},
        RejectCase{"SubstitutionInsideDefault", "echo ${X:-$(id)}", "parameter expansion"},
        RejectCase{"QuotesInsideBraces", "echo \"${X:-\"a\"}\"", "parameter expansion"},
        RejectCase{"SpaceInsideBraces", "echo ${X:-a b}", "parameter expansion"},
        RejectCase{"VariableSubscript", "echo ${a[i]}", "evaluated as arithmetic"},
        RejectCase{"VariableSubstringOffset", "echo ${X:y}", "substring offsets"},
        RejectCase{"VariableSubstringLength", "echo ${X:1:n}", "substring lengths"},
        RejectCase{"IndirectExpansion", "echo ${!ref}", "indirect expansion"},
        RejectCase{"PromptTransformation", "echo ${X@P}", "\"@P\""},
        RejectCase{"ZshFlags", "echo ${(e)X}", "parameter expansion"},
        RejectCase{"KshCommandSubstitution", "echo ${ id; }", "parameter expansion"},
        RejectCase{"EmptyBraces", "echo ${}", "parameter name is missing"},
        RejectCase{"UnterminatedBraces", "echo ${X", "unterminated parameter expansion"},
        RejectCase{"AssignDefaultToPath", "echo ${PATH:=/tmp}", "setting PATH"},
        RejectCase{"ZshSubscript", "echo $a[i]", "subscript after \"$a\" is not allowed"},
        RejectCase{"ZshSubscriptInQuotes", "echo \"$a[i]\"", "subscript after \"$a\""},
        RejectCase{"ZshSubscriptAfterBraces", "echo ${a}[i]", "subscript after \"${a}\""},
        RejectCase{"ZshSubscriptOnPositional", "echo $1[2]", "subscript after \"$1\""}),
    reject_name);

INSTANTIATE_TEST_SUITE_P(
    Structure, ShellSplitRejects,
    testing::Values(
        RejectCase{"HereDocument", "cat <<EOF", "here-document \"<<\""},
        RejectCase{"HereDocumentDash", "cat <<-EOF", "here-document \"<<\""},
        RejectCase{"HereString", "cat <<<x", "here-string \"<<<\""},
        RejectCase{"Subshell", "(cd x)", "subshell or group \"(\""},
        RejectCase{"ClosingParenthesis", "echo a)", "subshell or group \")\""},
        RejectCase{"ArrayAssignment", "a=(1 2)", "subshell or group \"(\""},
        RejectCase{"ArithmeticCommand", "((x++))", "subshell or group \"(\""},
        RejectCase{"Group", "{ ls; }", "group \"{\""},
        RejectCase{"ClosingBraceCommand", "}", "group \"}\""},
        RejectCase{"If", "if true; then ls; fi", "shell keyword \"if\""},
        RejectCase{"For", "for x in a; do ls; done", "shell keyword \"for\""},
        RejectCase{"While", "while true; do ls; done", "shell keyword \"while\""},
        RejectCase{"Until", "until x; do ls; done", "shell keyword \"until\""},
        RejectCase{"Case", "case x in a) ls;; esac", "shell keyword \"case\""},
        RejectCase{"Function", "function f { ls; }", "shell keyword \"function\""},
        RejectCase{"Select", "select x in a b", "shell keyword \"select\""},
        RejectCase{"Coproc", "coproc sudo x", "shell keyword \"coproc\""},
        RejectCase{"KeywordAfterAssignment", "X=1 while", "shell keyword \"while\""},
        RejectCase{"KeywordAfterSeparator", "ls; done", "shell keyword \"done\""},
        RejectCase{"ConditionalExpression", "[[ -f x ]]", "conditional expression \"[[\""},
        RejectCase{"FunctionDefinition", "f() { ls; }", "function definition \"f()\""},
        RejectCase{"FunctionDefinitionWithSpace", "f () { ls; }", "function definition \"f()\""},
        RejectCase{"UnterminatedSingleQuote", "echo 'abc", "unterminated single quote"},
        RejectCase{"UnterminatedDoubleQuote", "echo \"abc", "unterminated double quote"},
        RejectCase{"CaseTerminator", "a ;; b", "\";;\""},
        RejectCase{"LeadingSemicolon", "; a", "missing command before \";\""},
        RejectCase{"DoubleAnd", "a && && b", "missing command before \"&&\""},
        RejectCase{"SemicolonAfterAnd", "a && ; b", "missing command before \";\""},
        RejectCase{"EmptyPipeStage", "a | | b", "missing command before \"|\""},
        RejectCase{"TrailingPipe", "a |", "missing command after \"|\""},
        RejectCase{"TrailingAnd", "a &&", "missing command after \"&&\""},
        RejectCase{"TrailingOrThenNewline", "a ||\n", "missing command after \"||\""},
        RejectCase{"LoneBackground", "&", "missing command before \"&\""},
        RejectCase{"SemicolonAfterNewline", "a\n; b", "missing command before \";\""},
        RejectCase{"ZshDisown", "a &| b", "missing command before \"|\""},
        RejectCase{"LoneBang", "!", "\"!\" must be followed by a command"},
        RejectCase{"BangBeforeSeparator", "! ; ls", "\"!\" must be followed by a command"}),
    reject_name);

INSTANTIATE_TEST_SUITE_P(
    Redirections, ShellSplitRejects,
    testing::Values(
        RejectCase{"BothRedirectionBeforeWord", "echo a &>f sudo", "\"&>\" must come after"},
        RejectCase{"BothAppendBeforeWord", "echo a &>>f sudo", "\"&>\" must come after"},
        RejectCase{"DescriptorToFile", "cmd 2>&file", "a file descriptor number"},
        RejectCase{"InputDuplicateFromFile", "cmd <&file", "a file descriptor number"},
        RejectCase{"MissingTarget", "cmd >", "missing file name after redirection \">\""},
        RejectCase{"SeparatorAsTarget", "cmd > ; ls", "missing file name after redirection \">\""},
        RejectCase{"CommentAsTarget", "cmd > #x", "missing file name after redirection \">\""}),
    reject_name);

TEST(ShellSplit, RejectsNulByte) {
  const std::string line("echo a\0b", 8);
  auto commands = split_command_line(line);
  ASSERT_FALSE(commands.ok());
  EXPECT_EQ(commands.error(), "command line contains a NUL byte");
}

TEST(ShellSplit, AcceptsLineOfExactly64KiB) {
  std::string line = "echo ";
  line += std::string(64 * 1024 - line.size(), 'a');
  ASSERT_EQ(line.size(), 65536u);
  auto commands = split_command_line(line);
  ASSERT_TRUE(commands.ok()) << commands.error();
  ASSERT_EQ(commands->size(), 1u);
  EXPECT_EQ(commands->front().argv[1].size(), 65531u);
}

TEST(ShellSplit, RejectsLineOneByteOver64KiB) {
  std::string line = "echo ";
  line += std::string(64 * 1024 + 1 - line.size(), 'a');
  auto commands = split_command_line(line);
  ASSERT_FALSE(commands.ok());
  EXPECT_EQ(commands.error(), "command line is 65537 bytes long: the limit is 65536");
}

TEST(ShellSplit, ManyCommandsUpToTheLimit) {
  std::string line;
  while (line.size() + 3 <= 64 * 1024) line += "a;\n";
  auto commands = split_command_line(line);
  ASSERT_TRUE(commands.ok()) << commands.error();
  EXPECT_EQ(commands->size(), line.size() / 3);
}

// Long runs that a naive look-ahead would rescan from the start for every
// character: a quadratic lexer would need billions of steps on these.
TEST(ShellSplit, LongDigitRunSplitsQuickly) {
  const std::string line = "echo " + std::string(64 * 1024 - 6, '7') + ">";
  auto commands = split_command_line(line);
  ASSERT_FALSE(commands.ok());
  EXPECT_EQ(commands.error(), "missing file name after redirection \"" +
                                  std::string(64 * 1024 - 6, '7') + ">\"");
}

TEST(ShellSplit, LongBlankRunAfterParenthesis) {
  const std::string line = "f(" + std::string(64 * 1024 - 3, ' ') + ")";
  auto commands = split_command_line(line);
  ASSERT_FALSE(commands.ok());
  EXPECT_EQ(commands.error(),
            "function definition \"f()\" is not allowed: the policy only accepts simple commands");
}

TEST(ShellSplit, LongContinuationRun) {
  std::string line = "ec";
  while (line.size() + 2 <= 64 * 1024 - 2) line += "\\\n";
  line += "ho";
  auto commands = split_command_line(line);
  ASSERT_TRUE(commands.ok()) << commands.error();
  EXPECT_EQ(commands->front().argv, (std::vector<std::string>{"echo"}));
}

TEST(ShellSplit, LeadingAssignmentsAreSeparated) {
  auto commands = split_command_line("A=1 B='x y' C+=2 make x=3");
  ASSERT_TRUE(commands.ok()) << commands.error();
  ASSERT_EQ(commands->size(), 1u);
  const SimpleCommand& command = commands->front();
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(command.assignments, (Pairs{{"A", "1"}, {"B", "x y"}, {"C", "2"}}));
  EXPECT_EQ(command.argv, (std::vector<std::string>{"make", "x=3"}));
}

TEST(ShellSplit, QuotedNameIsNotAnAssignment) {
  auto commands = split_command_line("\"A\"=1 ls");
  ASSERT_TRUE(commands.ok()) << commands.error();
  EXPECT_TRUE(commands->front().assignments.empty());
  EXPECT_EQ(commands->front().argv, (std::vector<std::string>{"A=1", "ls"}));
}

TEST(ShellSplit, InvalidNameIsNotAnAssignment) {
  auto commands = split_command_line("1A=2 ls");
  ASSERT_TRUE(commands.ok()) << commands.error();
  EXPECT_TRUE(commands->front().assignments.empty());
  EXPECT_EQ(commands->front().argv.front(), "1A=2");
}

TEST(ShellSplit, AssignmentOnlyCommandHasNoArgv) {
  auto commands = split_command_line("X=1; echo $X");
  ASSERT_TRUE(commands.ok()) << commands.error();
  ASSERT_EQ(commands->size(), 2u);
  EXPECT_TRUE(commands->at(0).argv.empty());
  ASSERT_EQ(commands->at(0).assignments.size(), 1u);
  EXPECT_EQ(commands->at(0).assignments[0].first, "X");
  EXPECT_EQ(commands->at(1).argv, (std::vector<std::string>{"echo", "$X"}));
}

struct RedirectionCase {
  const char* name;
  std::string line;
  std::vector<std::string> argv;
  Redirection::Kind kind;
  std::string target;
};

void PrintTo(const RedirectionCase& c, std::ostream* out) { *out << c.line; }

class ShellSplitRedirection : public testing::TestWithParam<RedirectionCase> {};

TEST_P(ShellSplitRedirection, TargetLeavesArgv) {
  const RedirectionCase& c = GetParam();
  SCOPED_TRACE("line: " + c.line);
  auto commands = split_command_line(c.line);
  ASSERT_TRUE(commands.ok()) << commands.error();
  ASSERT_EQ(commands->size(), 1u);
  const SimpleCommand& command = commands->front();
  EXPECT_EQ(command.argv, c.argv) << show(command.argv);
  ASSERT_EQ(command.redirections.size(), 1u);
  EXPECT_EQ(command.redirections[0].kind, c.kind);
  EXPECT_EQ(command.redirections[0].target, c.target);
}

std::string redirection_name(const testing::TestParamInfo<RedirectionCase>& info) {
  return info.param.name;
}

using Kind = Redirection::Kind;
INSTANTIATE_TEST_SUITE_P(
    Kinds, ShellSplitRedirection,
    testing::Values(
        RedirectionCase{"Output", "echo hi > out", {"echo", "hi"}, Kind::output, "out"},
        RedirectionCase{"OutputWithoutSpace", "echo a>b", {"echo", "a"}, Kind::output, "b"},
        RedirectionCase{"Input", "cat < in", {"cat"}, Kind::input, "in"},
        RedirectionCase{"Append", "echo x >> log", {"echo", "x"}, Kind::output, "log"},
        RedirectionCase{"Clobber", "echo x >| f", {"echo", "x"}, Kind::output, "f"},
        RedirectionCase{"ReadWrite", "cmd <> f", {"cmd"}, Kind::output, "f"},
        RedirectionCase{"DescriptorOutput", "cmd 2>err", {"cmd"}, Kind::output, "err"},
        RedirectionCase{"MultiDigitDescriptor", "cmd 10>x", {"cmd"}, Kind::output, "x"},
        RedirectionCase{"DigitSeparatedIsArgument", "echo 2 > x", {"echo", "2"}, Kind::output, "x"},
        RedirectionCase{"DigitInsideWordIsArgument", "echo a2>x", {"echo", "a2"}, Kind::output, "x"},
        RedirectionCase{"BothOutputs", "cmd &> all", {"cmd"}, Kind::output, "all"},
        RedirectionCase{"BothAppend", "cmd &>>all", {"cmd"}, Kind::output, "all"},
        RedirectionCase{"DuplicateStderr", "cmd 2>&1", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"DuplicateToStderr", "cmd >&2", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"DuplicateWithSpace", "cmd 2>& 1", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"CloseDescriptor", "cmd 2>&-", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"MoveDescriptor", "cmd 3>&1-", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"InputDuplicate", "cmd <&3", {"cmd"}, Kind::duplicate, ""},
        RedirectionCase{"BashOutputToFile", "cmd >&file", {"cmd"}, Kind::output, "file"},
        RedirectionCase{"QuotedTarget", "cmd > \"a b\"", {"cmd"}, Kind::output, "a b"},
        RedirectionCase{"RedirectionFirst", ">out echo hi", {"echo", "hi"}, Kind::output, "out"},
        RedirectionCase{"RedirectionOnly", "> out", {}, Kind::output, "out"},
        RedirectionCase{"ExpansionTargetKeptLiterally", "cmd > $F", {"cmd"}, Kind::output, "$F"}),
    redirection_name);

TEST(ShellSplit, RedirectionsStayWithTheirCommand) {
  auto commands = split_command_line("a < in | b 2>&1 > out; c");
  ASSERT_TRUE(commands.ok()) << commands.error();
  ASSERT_EQ(commands->size(), 3u);
  ASSERT_EQ(commands->at(0).redirections.size(), 1u);
  EXPECT_EQ(commands->at(0).redirections[0].target, "in");
  ASSERT_EQ(commands->at(1).redirections.size(), 2u);
  EXPECT_EQ(commands->at(1).redirections[0].kind, Kind::duplicate);
  EXPECT_EQ(commands->at(1).redirections[1].target, "out");
  EXPECT_TRUE(commands->at(2).redirections.empty());
}

// Words that need no quoting for the properties below.
rc::Gen<std::string> plain_word() {
  return rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyz0123456789_./-"))));
}

RC_GTEST_PROP(ShellSplitProperty, SingleQuotingKeepsAnyText, ()) {
  const auto text = *rc::gen::container<std::string>(
      rc::gen::suchThat<char>([](char c) { return c != '\'' && c != '\0'; }));
  auto commands = split_command_line("echo '" + text + "'");
  RC_ASSERT(commands.ok());
  RC_ASSERT(commands->size() == 1u);
  RC_ASSERT(commands->front().argv == (std::vector<std::string>{"echo", text}));
}

RC_GTEST_PROP(ShellSplitProperty, BackslashEscapingKeepsAnyText, ()) {
  const auto text = *rc::gen::nonEmpty(rc::gen::container<std::string>(
      rc::gen::suchThat<char>([](char c) { return c != '\0' && c != '\n'; })));
  std::string escaped;
  for (const char c : text) {
    escaped += '\\';
    escaped += c;
  }
  auto commands = split_command_line("echo " + escaped);
  RC_ASSERT(commands.ok());
  RC_ASSERT(commands->front().argv == (std::vector<std::string>{"echo", text}));
}

RC_GTEST_PROP(ShellSplitProperty, SeparatorsConcatenateCommands, ()) {
  auto first = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(plain_word()));
  auto second = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(plain_word()));
  // A prefix keeps random program names clear of keywords such as "do".
  first.front() = "x" + first.front();
  second.front() = "x" + second.front();
  const auto separator = *rc::gen::element<std::string>(";", "&&", "||", "|", "&", "|&", "\n");
  std::string line;
  for (const auto& word : first) line += word + " ";
  line += separator;
  for (const auto& word : second) line += " " + word;
  auto commands = split_command_line(line);
  RC_ASSERT(commands.ok());
  RC_ASSERT(argvs_of(*commands) == (Argvs{first, second}));
}

}  // namespace
}  // namespace nucleus::policy
