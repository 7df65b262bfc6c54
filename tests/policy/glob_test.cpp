#include "policy/glob.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace nucleus::policy {
namespace {

// Names each parameterized case after its table entry.
template <typename Case>
std::string case_name(const ::testing::TestParamInfo<Case>& test) {
  return test.param.name;
}

constexpr std::string_view kBase = "/workspace";

Glob compile_or_fail(std::string_view pattern, std::string_view base = kBase) {
  std::string error;
  auto glob = Glob::compile(pattern, base, &error);
  if (!glob) {
    ADD_FAILURE() << "pattern \"" << pattern << "\" failed to compile: " << error;
    return *Glob::compile("/", "/", nullptr);
  }
  return *glob;
}

// A pattern that matches exactly `path`: every glob metacharacter escaped.
std::string escape_literal(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

struct MatchCase {
  const char* name;
  std::string pattern;
  std::string path;
  bool expected;
};

void PrintTo(const MatchCase& c, std::ostream* os) {
  *os << c.name << ": \"" << c.pattern << "\" vs \"" << c.path << "\"";
}

class GlobMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(GlobMatch, MatchesAsDocumented) {
  const MatchCase& c = GetParam();
  const Glob glob = compile_or_fail(c.pattern);
  EXPECT_EQ(glob.matches(c.path), c.expected)
      << "pattern \"" << c.pattern << "\" (compiled as \"" << glob.text() << "\") against \""
      << c.path << "\"";
}

// Relative patterns resolve against /workspace.
const MatchCase kMatchCases[] = {
    // "/dir/**": the directory itself and everything below, nothing beside it.
    {"GlobstarTailMatchesDirItself", "/workspace/**", "/workspace", true},
    {"GlobstarTailMatchesChild", "/workspace/**", "/workspace/a", true},
    {"GlobstarTailMatchesDeep", "/workspace/**", "/workspace/a/b/c/d", true},
    {"GlobstarTailRejectsSibling", "/workspace/**", "/workspace2/x", false},
    {"GlobstarTailRejectsSiblingDir", "/workspace/**", "/workspace2", false},
    {"GlobstarTailRejectsParent", "/workspace/**", "/", false},
    {"GlobstarTailRejectsNested", "/workspace/**", "/other/workspace/x", false},
    {"RelativeGlobstarUsesBase", "src/**", "/workspace/src/main.cc", true},
    {"RelativeGlobstarRejectsOtherBase", "src/**", "/src/main.cc", false},

    // "**/name": at any depth, the root included.
    {"AnyDepthMatchesAtRoot", "**/.env", "/.env", true},
    {"AnyDepthMatchesOneDown", "**/.env", "/workspace/.env", true},
    {"AnyDepthMatchesDeep", "**/.env", "/workspace/a/b/.env", true},
    {"AnyDepthRejectsSuffixedName", "**/.env", "/workspace/.env.local", false},
    {"AnyDepthRejectsPrefixedName", "**/.env", "/workspace/x.env", false},
    {"AnyDepthRejectsChildOfName", "**/.env", "/workspace/.env/x", false},
    {"AnyDepthRejectsCyrillicLookalike", "**/.env", "/workspace/.\xD0\xB5nv", false},
    {"AbsoluteAnyDepthMatchesAtRoot", "/**/.env", "/.env", true},
    {"AnyDepthDirMatchesDirItself", "**/.ssh/**", "/home/u/.ssh", true},
    {"AnyDepthDirMatchesContents", "**/.ssh/**", "/home/u/.ssh/id_rsa", true},
    {"AnyDepthDirRejectsLookalike", "**/.ssh/**", "/home/u/.sshx/id_rsa", false},
    {"AnyDepthStarLeadNeedsSlash", "**.pem", "/a/b/key.pem", true},
    {"AnyDepthStarLeadAtRoot", "**.pem", "/key.pem", true},

    // '*' stays inside one segment.
    {"StarMatchesOneSegment", "/a/*", "/a/b", true},
    {"StarNeedsASegment", "/a/*", "/a", false},
    {"StarNeverCrossesSlash", "/a/*", "/a/b/c", false},
    {"StarInMiddleSegment", "/a/*/c", "/a/b/c", true},
    {"StarMiddleRejectsTwoSegments", "/a/*/c", "/a/b/x/c", false},
    {"StarMatchesEmptyRun", "/a/x*y", "/a/xy", true},
    {"StarMatchesLeadingDot", "/a/*", "/a/.hidden", true},
    {"StarSuffixMatchesDotFile", "**/*.pem", "/k/.x.pem", true},
    {"StarSuffixMatchesBareSuffix", "**/*.pem", "/.pem", true},
    {"StarSuffixRejectsOtherSuffix", "**/*.pem", "/k/x.pem.bak", false},
    {"RelativeStarStaysInBase", "*.pem", "/workspace/k.pem", true},
    {"RelativeStarRejectsSubdir", "*.pem", "/workspace/sub/k.pem", false},
    {"StarBacktracksToLastStar", "/*ab*ab", "/xabyabab", true},
    {"StarRejectsMissingTail", "/*ab*abc", "/xabyabab", false},

    // "**" in the middle: zero or more whole segments.
    {"MiddleGlobstarMatchesZero", "/a/**/c", "/a/c", true},
    {"MiddleGlobstarMatchesMany", "/a/**/c", "/a/b/x/c", true},
    {"MiddleGlobstarNeedsWholeName", "/a/**/c", "/a/b/x/cd", false},
    {"MiddleGlobstarNeedsPrefix", "/a/**/c", "/b/c", false},
    {"TwoGlobstars", "/a/**/b/**/c", "/a/x/b/y/z/c", true},
    {"TwoGlobstarsNeedOrder", "/a/**/b/**/c", "/a/c/b", false},
    {"RepeatedGlobstarCollapses", "/**/**/x", "/x", true},
    {"TripleStarSegmentIsGlobstar", "/a/***", "/a/b/c", true},
    {"GlobstarAloneMatchesRoot", "**", "/", true},
    {"GlobstarAloneMatchesDeep", "**", "/a/b/c", true},
    {"RootPatternMatchesRoot", "/", "/", true},
    {"RootPatternRejectsChild", "/", "/a", false},

    // "**" not forming a whole segment behaves like '*'.
    {"InnerDoubleStarIsStar", "/a**b", "/axyzb", true},
    {"InnerDoubleStarStaysInSegment", "/a**b", "/ax/yb", false},
    {"TrailingDoubleStarInSegment", "/a/x**", "/a/xyz", true},
    {"TrailingDoubleStarNoDescent", "/a/x**", "/a/xy/z", false},
    {"LeadingDoubleStarInSegment", "/a/**b", "/a/xb", true},
    {"LeadingDoubleStarNoDescent", "/a/**b", "/a/x/yb", false},

    // '?' is one code point, never '/'.
    {"QuestionMatchesOne", "/a?c", "/abc", true},
    {"QuestionNeedsOne", "/a?c", "/ac", false},
    {"QuestionMatchesOnlyOne", "/a?c", "/abbc", false},
    {"QuestionNeverSlash", "/a?c", "/a/c", false},
    {"QuestionMatchesLeadingDot", "/?env", "/.env", true},
    {"QuestionMatchesTwoByteChar", "/a?c", "/a\xC3\xA9" "c", true},
    {"TwoQuestionsRejectTwoByteChar", "/a??c", "/a\xC3\xA9" "c", false},
    {"QuestionMatchesFourByteChar", "/?", "/\xF0\x9F\x94\x91", true},
    {"QuestionMatchesInvalidByte", "/a?c", "/a\xFF" "c", true},
    {"QuestionsMatchTruncatedSequence", "/a??c", "/a\xE2\x82" "c", true},
    {"QuestionMatchesOverlongByte", "/a??c", "/a\xC0\xAF" "c", true},

    // Character classes.
    {"ClassMatchesMember", "/[abc]", "/b", true},
    {"ClassRejectsNonMember", "/[abc]", "/d", false},
    {"ClassIsOneCharacter", "/[ab]", "/ab", false},
    {"ClassRangeMatches", "/[a-z]", "/m", true},
    {"ClassRangeIsCaseSensitive", "/[a-z]", "/M", false},
    {"BangNegates", "/[!a-z]", "/M", true},
    {"BangNegationRejectsMember", "/[!a-z]", "/m", false},
    {"CaretNegates", "/[^a-z]", "/m", false},
    {"CaretNegationMatches", "/[^a-z]", "/5", true},
    {"NegationMatchesMultibyte", "/[!a-z]", "/\xC3\xA9", true},
    {"NegationMatchesInvalidByte", "/[!a]", "/\xFF", true},
    {"NegationStillNeedsOneChar", "/x[!a]", "/x", false},
    {"RangeByCodePoint", "/[\xC3\xA0-\xC3\xBF]", "/\xC3\xA9", true},
    {"RangeByCodePointRejectsAscii", "/[\xC3\xA0-\xC3\xBF]", "/e", false},
    {"LeadingBracketIsMember", "/[]a]", "/]", true},
    {"NegatedLeadingBracketIsMember", "/[!]]", "/]", false},
    {"NegatedLeadingBracketOther", "/[!]]", "/a", true},
    {"TrailingDashIsMember", "/[a-]", "/-", true},
    {"LeadingDashIsMember", "/[-a]", "/-", true},
    {"EscapedBracketInClass", "/[\\]]", "/]", true},
    {"EscapedDashIsMember", "/[a\\-z]", "/-", true},
    {"EscapedDashIsNoRange", "/[a\\-z]", "/m", false},
    {"StarInClassIsLiteral", "/[*]", "/*", true},
    {"StarInClassMatchesOnlyStar", "/[*]", "/x", false},
    {"ClassMatchesLeadingDot", "/[.]env", "/.env", true},

    // Backslash escapes.
    {"EscapedStarIsLiteral", "/a\\*b", "/a*b", true},
    {"EscapedStarRejectsOther", "/a\\*b", "/axb", false},
    {"EscapedQuestionIsLiteral", "/\\?", "/?", true},
    {"EscapedQuestionRejectsOther", "/\\?", "/x", false},
    {"EscapedBracketIsLiteral", "/\\[a]", "/[a]", true},
    {"EscapedBracketRejectsClassMatch", "/\\[a]", "/a", false},
    {"EscapedBackslashIsLiteral", "/a\\\\b", "/a\\b", true},
    {"EscapedPlainLetter", "/\\a", "/a", true},
    {"EscapedStarsAreNoGlobstar", "/a/\\*\\*", "/a/b/c", false},
    {"EscapedStarsMatchLiterally", "/a/\\*\\*", "/a/**", true},

    // Dots, ".." and "." in patterns resolve lexically.
    {"DotSegmentRemoved", "/a/./b", "/a/b", true},
    {"DotDotRemovesLiteral", "/a/b/../c", "/a/c", true},
    {"DotDotPatternRejectsUnresolved", "/a/b/../c", "/a/b/c", false},
    {"DotDotClimbsIntoBase", "../etc/*", "/etc/passwd", true},
    {"DotDotStopsAtRoot", "/../../etc", "/etc", true},
    {"DoubleSlashCollapses", "//a//b", "/a/b", true},
    {"TripleDotIsAName", "/a/...", "/a/...", true},
    {"DotPrefixedNameIsAName", "/a/..b", "/a/..b", true},
    {"DotFileLiteral", "/a/.b", "/a/.b", true},
    {"DotStarIsPattern", "/a/.*", "/a/.hidden", true},
    {"DotStarRejectsPlain", "/a/.*", "/a/plain", false},

    // Case, Unicode and normalization forms are exact.
    {"LiteralIsCaseSensitive", "/A", "/a", false},
    {"UnicodeLiteralMatches", "/\xC3\xBC/*.txt", "/\xC3\xBC/a.txt", true},
    {"DecomposedFormDiffers", "/\xC3\xBC", "/u\xCC\x88", false},
    {"InvalidByteLiteralMatches", "/a\xFF", "/a\xFF", true},
    {"InvalidByteLiteralRejectsValid", "/a\xC3", "/a\xC3\xA9", false},

    // Inputs outside the contract match nothing.
    {"RelativePathNeverMatches", "**", "a/b", false},
    {"EmptyPathNeverMatches", "**", "", false},
    {"NulPathNeverMatches", "**", std::string("/a\0b", 4), false},
};

INSTANTIATE_TEST_SUITE_P(Table, GlobMatch, ::testing::ValuesIn(kMatchCases),
                         case_name<MatchCase>);

struct TextCase {
  const char* name;
  std::string pattern;
  std::string base;
  std::string text;
};

void PrintTo(const TextCase& c, std::ostream* os) {
  *os << c.name << ": \"" << c.pattern << "\" in \"" << c.base << "\"";
}

class GlobText : public ::testing::TestWithParam<TextCase> {};

TEST_P(GlobText, CanonicalTextAndRoundTrip) {
  const TextCase& c = GetParam();
  const Glob glob = compile_or_fail(c.pattern, c.base);
  EXPECT_EQ(glob.text(), c.text);

  const Glob again = compile_or_fail(glob.text(), "/elsewhere");
  EXPECT_EQ(again.text(), glob.text()) << "text() did not survive a second compile";
}

const TextCase kTextCases[] = {
    {"RelativeResolvedAgainstBase", "src/**", "/workspace", "/workspace/src/**"},
    {"RelativeDotResolvedAgainstBase", "./src/**", "/workspace", "/workspace/src/**"},
    {"DotIsBase", ".", "/workspace", "/workspace"},
    {"RelativeStarResolved", "*.pem", "/workspace", "/workspace/*.pem"},
    {"RootBaseResolves", "src", "/", "/src"},
    {"BaseIsNormalized", "x", "/workspace/../w/./", "/w/x"},
    {"BaseMetacharactersEscaped", "x", "/w[1]/a*b", "/w\\[1]/a\\*b/x"},
    {"AnyDepthKeepsForm", "**/.env", "/workspace", "**/.env"},
    {"AbsoluteAnyDepthDropsSlash", "/**/.env", "/workspace", "**/.env"},
    {"AbsoluteGlobstarAlone", "/**", "/workspace", "**"},
    {"GlobstarAlone", "**", "/workspace", "**"},
    {"AnyDepthStarLead", "**.pem", "/workspace", "**/*.pem"},
    {"Root", "/", "/workspace", "/"},
    {"RootSlashes", "///", "/workspace", "/"},
    {"DoubleSlashes", "//a//b", "/workspace", "/a/b"},
    {"DotSegments", "/a/./b/.", "/workspace", "/a/b"},
    {"DotDotSegments", "/a/b/../c", "/workspace", "/a/c"},
    {"DotDotAboveRoot", "/../../x", "/workspace", "/x"},
    {"RelativeDotDotAboveRoot", "../../../x", "/workspace", "/x"},
    {"EscapedDotsAreDots", "/a/\\.\\./b", "/workspace", "/b"},
    {"DotDotAfterMetacharName", "/a\\*/../b", "/workspace", "/b"},
    {"RepeatedGlobstars", "/a/**/**/b", "/workspace", "/a/**/b"},
    {"StarSegmentGlobstar", "/a/***", "/workspace", "/a/**"},
    {"InnerStarsCollapse", "/a**b", "/workspace", "/a*b"},
    {"CaretBecomesBang", "/[^a-z]", "/workspace", "/[!a-z]"},
    {"SingleMemberRange", "/[a-a]", "/workspace", "/[a]"},
    {"UnneededEscapeDropped", "/\\a", "/workspace", "/a"},
    {"NeededEscapeKept", "/\\*", "/workspace", "/\\*"},
    {"ClassMembersEscaped", "/[]a!^-]", "/workspace", "/[\\]a\\!\\^\\-]"},
    {"EscapedSlashSeparates", "/a\\/b", "/workspace", "/a/b"},
    {"UnicodeKept", "/\xC3\xBC/*", "/workspace", "/\xC3\xBC/*"},
    {"InvalidByteKept", "/a\xFF", "/workspace", "/a\xFF"},
};

INSTANTIATE_TEST_SUITE_P(Table, GlobText, ::testing::ValuesIn(kTextCases),
                         case_name<TextCase>);

struct ErrorCase {
  const char* name;
  std::string pattern;
  std::string base;
  std::string message_part;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name << ": \"" << c.pattern << "\"";
}

class GlobCompileError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(GlobCompileError, RejectedWithMessage) {
  const ErrorCase& c = GetParam();
  std::string error;
  const auto glob = Glob::compile(c.pattern, c.base, &error);
  ASSERT_FALSE(glob.has_value()) << "compiled as \"" << glob->text() << "\"";
  EXPECT_NE(error.find(c.message_part), std::string::npos) << "error: " << error;
  EXPECT_TRUE(error.starts_with("invalid glob")) << "error: " << error;
}

const ErrorCase kErrorCases[] = {
    {"Empty", "", "/workspace", "empty"},
    {"NulByte", std::string("/a\0b", 4), "/workspace", "NUL byte"},
    {"UnterminatedClass", "/a/[bc", "/workspace", "unterminated character class"},
    {"LoneBracket", "[", "/workspace", "unterminated character class"},
    {"EmptyClassSwallowsBracket", "/[]", "/workspace", "unterminated character class"},
    {"NegatedEmptyClass", "/[!]", "/workspace", "unterminated character class"},
    {"ClassWithSlash", "/a/[b/c]", "/workspace", "cannot contain '/'"},
    {"ClassWithEscapedSlash", "/a/[b\\/c]", "/workspace", "unterminated character class"},
    {"ReversedRange", "/[z-a]", "/workspace", "reversed"},
    {"TrailingBackslash", "/a\\", "/workspace", "trailing backslash"},
    {"TrailingBackslashInClass", "/[a\\", "/workspace", "trailing backslash"},
    {"TrailingSlash", "/secrets/", "/workspace", "ends with '/'"},
    {"TrailingSlashRelative", "src/", "/workspace", "ends with '/'"},
    {"TrailingSlashAnyDepth", "**/", "/workspace", "ends with '/'"},
    {"TrailingEscapedSlash", "/a\\/", "/workspace", "ends with '/'"},
    {"DotDotAfterStar", "/a/*/../b", "/workspace", "follows a wildcard"},
    {"DotDotAfterGlobstar", "**/../x", "/workspace", "follows a wildcard"},
    {"DotDotAfterClass", "/a/[bc]/..", "/workspace", "follows a wildcard"},
    {"RelativeWithRelativeBase", "src/**", "workspace", "absolute base directory"},
    {"RelativeWithEmptyBase", "src/**", "", "absolute base directory"},
    {"ControlByteQuoted", "/a\x01[", "/workspace", "\"/a\\x01[\""},
};

INSTANTIATE_TEST_SUITE_P(Table, GlobCompileError, ::testing::ValuesIn(kErrorCases),
                         case_name<ErrorCase>);

TEST(Glob, ErrorPointerMayBeNull) {
  EXPECT_FALSE(Glob::compile("[", "/", nullptr).has_value());
}

TEST(Glob, AbsolutePatternIgnoresBase) {
  EXPECT_EQ(compile_or_fail("/etc/*", "not even absolute").text(), "/etc/*");
}

TEST(Glob, EqualityUsesCanonicalText) {
  EXPECT_EQ(compile_or_fail("**/.env"), compile_or_fail("/**/.env"));
  EXPECT_EQ(compile_or_fail("src/*", "/w"), compile_or_fail("/w/src/*"));
  EXPECT_NE(compile_or_fail("/a/*"), compile_or_fail("/a/**"));
  EXPECT_LT(compile_or_fail("/a"), compile_or_fail("/b"));
}

TEST(Glob, CopiesMatchLikeOriginal) {
  const Glob original = compile_or_fail("**/*.pem");
  const Glob copy = original;
  EXPECT_TRUE(copy.matches("/a/k.pem"));
  EXPECT_FALSE(copy.matches("/a/k.pub"));
}

// Each of these would take exponential time in a naive backtracking
// matcher. The time bound is far above what the O(n * m) scan needs even in
// a sanitized debug build, so it only distinguishes "finishes" from "hangs".
constexpr auto kGenerousBound = std::chrono::seconds(10);

TEST(Glob, ManyStarsFinishOnLongName) {
  const Glob glob = compile_or_fail("/*a*a*a*a*a*a*a*a*b");
  const std::string path = "/" + std::string(100'000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob.matches(path));
  EXPECT_TRUE(glob.matches(path + "b"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGenerousBound);
}

TEST(Glob, ManyGlobstarsFinishOnDeepPath) {
  const Glob glob = compile_or_fail("/**/a/**/a/**/a/**/a/**/a/**/b");
  std::string path;
  for (int i = 0; i < 10'000; ++i) path += "/a";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob.matches(path));
  EXPECT_TRUE(glob.matches(path + "/b"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGenerousBound);
}

TEST(Glob, LongLiteralPatternMatches) {
  std::string path;
  for (int i = 0; i < 10'000; ++i) path += "/seg" + std::to_string(i);
  const Glob glob = compile_or_fail(path);
  EXPECT_EQ(glob.text(), path);
  EXPECT_TRUE(glob.matches(path));
  EXPECT_FALSE(glob.matches(path + "x"));
}

// Paths built from pieces that exercise separators, dots, metacharacters
// and multibyte or invalid UTF-8.
rc::Gen<std::string> arbitrary_path() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
          "a", "b", ".", "..", "", "*", "?", "[x]", "\\", "\xC3\xA9", "\xFF", "a b", "**")),
      [](const std::vector<std::string>& parts) {
        std::string path;
        for (const auto& part : parts) path += "/" + part;
        return path.empty() ? std::string("/") : path;
      });
}

RC_GTEST_PROP(GlobProperty, EscapedPathMatchesItself, ()) {
  const auto path = normalize_path(*arbitrary_path(), "/");
  RC_ASSERT(path.has_value());
  const auto glob = Glob::compile(escape_literal(*path), "/", nullptr);
  RC_ASSERT(glob.has_value());
  RC_ASSERT(glob->text() == escape_literal(*path));
  RC_ASSERT(glob->matches(*path));
}

RC_GTEST_PROP(GlobProperty, DirGlobstarCoversSubtree, ()) {
  const auto dir = normalize_path(*arbitrary_path(), "/");
  const auto below = normalize_path(*arbitrary_path(), "/");
  RC_ASSERT(dir.has_value() && below.has_value());
  const std::string pattern = *dir == "/" ? "/**" : escape_literal(*dir) + "/**";
  const auto glob = Glob::compile(pattern, "/", nullptr);
  RC_ASSERT(glob.has_value());
  RC_ASSERT(glob->matches(*dir));
  const std::string child = *below == "/" ? *dir : (*dir == "/" ? "" : *dir) + *below;
  RC_ASSERT(glob->matches(child));
}

// Patterns from glob pieces: whatever compiles must survive a round trip
// through text() and match the same paths afterwards.
RC_GTEST_PROP(GlobProperty, TextRoundTripKeepsMeaning, ()) {
  const std::string pattern = *rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
          "/", "a", "b", "*", "**", "?", ".", "..", "[a-c]", "[!a]", "[^b]", "\\*", "\\",
          "[", "]", "-", "\xC3\xA9", "\xFF")),
      [](const std::vector<std::string>& parts) {
        std::string joined;
        for (const auto& part : parts) joined += part;
        return joined;
      });
  const auto glob = Glob::compile(pattern, "/base", nullptr);
  RC_PRE(glob.has_value());
  const auto again = Glob::compile(glob->text(), "/elsewhere", nullptr);
  RC_ASSERT(again.has_value());
  RC_ASSERT(again->text() == glob->text());
  for (int i = 0; i < 5; ++i) {
    const auto path = normalize_path(*arbitrary_path(), "/base");
    RC_ASSERT(path.has_value());
    RC_ASSERT(glob->matches(*path) == again->matches(*path));
  }
}

}  // namespace
}  // namespace nucleus::policy
