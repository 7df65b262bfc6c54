#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "policy/glob.h"

namespace nucleus::policy {
namespace {

// Names each parameterized case after its table entry.
template <typename Case>
std::string case_name(const ::testing::TestParamInfo<Case>& test) {
  return test.param.name;
}

struct NormalizeCase {
  const char* name;
  std::string path;
  std::string base;
  std::optional<std::string> expected;
};

void PrintTo(const NormalizeCase& c, std::ostream* os) {
  *os << c.name << ": \"" << c.path << "\" in \"" << c.base << "\"";
}

class NormalizePath : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizePath, ProducesExpected) {
  const NormalizeCase& c = GetParam();
  EXPECT_EQ(normalize_path(c.path, c.base), c.expected);
}

const NormalizeCase kCases[] = {
    {"Root", "/", "/workspace", "/"},
    {"RootSlashes", "///", "/workspace", "/"},
    {"AlreadyNormal", "/a/b", "/workspace", "/a/b"},
    {"RepeatedSlashes", "/a//b///c", "/workspace", "/a/b/c"},
    {"DotSegments", "/a/./b/.", "/workspace", "/a/b"},
    {"TrailingSlashDropped", "/a/b/", "/workspace", "/a/b"},
    {"DotDotRemovesOne", "/a/b/..", "/workspace", "/a"},
    {"DotDotToRoot", "/a/b/../..", "/workspace", "/"},
    {"DotDotStopsAtRoot", "/workspace/../../etc/passwd", "/workspace", "/etc/passwd"},
    {"DotDotAtRoot", "/..", "/workspace", "/"},
    {"RelativeJoinsBase", "x", "/workspace", "/workspace/x"},
    {"RelativeDot", ".", "/workspace", "/workspace"},
    {"RelativeDotSlash", "./", "/workspace", "/workspace"},
    {"RelativeDotDotAboveRoot", "../../x", "/workspace", "/x"},
    {"RelativeDotDotToRoot", "a/../..", "/workspace", "/"},
    {"RelativeAgainstRoot", "x/y", "/", "/x/y"},
    {"BaseIsNormalizedToo", "c", "/a/./b//", "/a/b/c"},
    {"AbsoluteIgnoresBase", "/x", "relative", "/x"},
    {"AbsoluteIgnoresEmptyBase", "/x", "", "/x"},
    {"TripleDotIsAName", "/a/...", "/workspace", "/a/..."},
    {"DotPrefixIsAName", "/a/..b/.c", "/workspace", "/a/..b/.c"},
    {"DotDotSuffixIsAName", "/a/b..", "/workspace", "/a/b.."},
    {"HiddenThenUp", "/a/.hidden/./..", "/workspace", "/a"},
    {"BackslashIsNoSeparator", "/a\\b/..", "/workspace", "/"},
    {"UnicodeKept", "/\xC3\xA9/\xF0\x9F\x94\x91", "/workspace", "/\xC3\xA9/\xF0\x9F\x94\x91"},
    {"InvalidUtf8Kept", "/a\xFF/\xC0\xAF", "/workspace", "/a\xFF/\xC0\xAF"},
    {"SpacesKept", "/a b/ c ", "/workspace", "/a b/ c "},
    {"EmptyRejected", "", "/workspace", std::nullopt},
    {"NulRejected", std::string("/a\0b", 4), "/workspace", std::nullopt},
    {"TrailingNulRejected", std::string("/a\0", 3), "/workspace", std::nullopt},
    {"RelativeNulRejected", std::string("a\0", 2), "/workspace", std::nullopt},
    {"NulInBaseRejected", "a", std::string("/w\0", 3), std::nullopt},
    {"RelativeBaseRejected", "a", "workspace", std::nullopt},
    {"EmptyBaseRejected", "a", "", std::nullopt},
};

INSTANTIATE_TEST_SUITE_P(Table, NormalizePath, ::testing::ValuesIn(kCases),
                         case_name<NormalizeCase>);

// A generous bound that only distinguishes "linear" from "hangs", even in a
// sanitized debug build.
constexpr auto kGenerousBound = std::chrono::seconds(10);

TEST(NormalizePathLong, HundredKibName) {
  const std::string name(100 * 1024, 'n');
  const auto start = std::chrono::steady_clock::now();
  const auto normalized = normalize_path("//" + name + "/./", "/");
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGenerousBound);
  EXPECT_EQ(normalized, "/" + name);
}

TEST(NormalizePathLong, TenThousandSegments) {
  std::string path;
  std::string expected;
  for (int i = 0; i < 10'000; ++i) {
    const std::string segment = "s" + std::to_string(i);
    path += "/" + segment + "/./x/..";
    expected += "/" + segment;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto normalized = normalize_path(path, "/");
  EXPECT_LT(std::chrono::steady_clock::now() - start, kGenerousBound);
  EXPECT_EQ(normalized, expected);
}

TEST(NormalizePathLong, TenThousandDotDotsEndAtRoot) {
  std::string path = "/a/b";
  for (int i = 0; i < 10'000; ++i) path += "/..";
  EXPECT_EQ(normalize_path(path, "/"), "/");

  std::string relative;
  for (int i = 0; i < 10'000; ++i) relative += "../";
  EXPECT_EQ(normalize_path(relative + "etc", "/workspace"), "/etc");
}

rc::Gen<std::string> arbitrary_path() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
          "a", "b", ".", "..", "...", "", "/", ".a", "\xC3\xA9", "\xFF", " ")),
      [](const std::vector<std::string>& parts) {
        std::string path;
        for (std::size_t i = 0; i < parts.size(); ++i) path += (i == 0 ? "" : "/") + parts[i];
        return path;
      });
}

RC_GTEST_PROP(NormalizePathProperty, OutputIsCanonical, ()) {
  const std::string input = *arbitrary_path();
  const auto normalized = normalize_path(input, "/base/dir");
  RC_ASSERT(normalized.has_value() == !input.empty());
  if (!normalized) return;
  const std::string& out = *normalized;
  RC_ASSERT(out.starts_with("/"));
  RC_ASSERT(out.find("//") == std::string::npos);
  RC_ASSERT((out + "/").find("/./") == std::string::npos);
  RC_ASSERT((out + "/").find("/../") == std::string::npos);
  RC_ASSERT(out == "/" || !out.ends_with("/"));
}

RC_GTEST_PROP(NormalizePathProperty, Idempotent, ()) {
  const auto once = normalize_path(*arbitrary_path(), "/base");
  RC_PRE(once.has_value());
  RC_ASSERT(normalize_path(*once, "/other") == once);
}

RC_GTEST_PROP(NormalizePathProperty, RelativeEqualsJoinedAbsolute, ()) {
  const std::string relative = *arbitrary_path();
  RC_PRE(!relative.empty() && !relative.starts_with("/"));
  RC_ASSERT(normalize_path(relative, "/base/dir") == normalize_path("/base/dir/" + relative, "/"));
}

}  // namespace
}  // namespace nucleus::policy
