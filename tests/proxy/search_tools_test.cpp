// glob and grep on real temp workspaces.
#include "proxy/search_tools.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "workspace_fixture.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;
using workspace_testing::expect_error;
using workspace_testing::expect_ok;
using Kind = ToolError::Kind;

class SearchToolsTest : public workspace_testing::WorkspaceFixture {
 protected:
  ToolResult glob(const json& arguments) { return glob_tool(workspace(), check_, arguments); }
  ToolResult grep(const json& arguments) { return grep_tool(workspace(), check_, arguments); }

  void make_tree() {
    put("README.md", "hello\n");
    put("src/main.c", "int main() { return 0; }\n");
    put("src/util/str.c", "char* dup(const char* s);\n");
    put("src/util/str.h", "char* dup(const char* s);\n");
    put(".env", "TOKEN=abc\n");
    put("config/.env", "TOKEN=def\n");
    put("secrets/key.c", "int key = 42;\n");
  }
};

std::vector<std::string> strings(const json& array) {
  return array.get<std::vector<std::string>>();
}

TEST_F(SearchToolsTest, GlobAnyDepth) {
  make_tree();
  const json result = expect_ok(glob({{"pattern", "**/*.c"}}));
  EXPECT_EQ(strings(result["matches"]),
            (std::vector<std::string>{"/workspace/src/main.c", "/workspace/src/util/str.c"}));
  EXPECT_EQ(result["truncated"], false);
}

TEST_F(SearchToolsTest, GlobRelativeToPath) {
  make_tree();
  const json top = expect_ok(glob({{"pattern", "*"}}));
  EXPECT_EQ(strings(top["matches"]), (std::vector<std::string>{
                                         "/workspace/README.md",
                                         "/workspace/config",
                                         "/workspace/src",
                                     }));
  const json in_util = expect_ok(glob({{"pattern", "*.h"}, {"path", "src/util"}}));
  EXPECT_EQ(strings(in_util["matches"]), std::vector<std::string>{"/workspace/src/util/str.h"});
}

TEST_F(SearchToolsTest, GlobHidesBlockedNames) {
  make_tree();
  const json result = expect_ok(glob({{"pattern", "**"}}));
  for (const std::string& path : strings(result["matches"])) {
    EXPECT_EQ(path.find(".env"), std::string::npos) << path;
    EXPECT_EQ(path.find("secrets"), std::string::npos) << path;
  }
  EXPECT_EQ(result["matches"].size(), 7u) << result.dump();
}

TEST_F(SearchToolsTest, GlobListsButNeverEntersSymlinkedDirectory) {
  put("real/a.txt", "a");
  link("real", "alias");
  const json result = expect_ok(glob({{"pattern", "**/*"}}));
  EXPECT_EQ(strings(result["matches"]), (std::vector<std::string>{
                                            "/workspace/alias",
                                            "/workspace/real",
                                            "/workspace/real/a.txt",
                                        }));
}

TEST_F(SearchToolsTest, GlobMaxResults) {
  for (int i = 0; i < 5; ++i) put("f" + std::to_string(i) + ".txt", "x");
  const json result = expect_ok(glob({{"pattern", "*.txt"}, {"max_results", 3}}));
  EXPECT_EQ(result["matches"].size(), 3u);
  EXPECT_EQ(result["truncated"], true);

  const json exact = expect_ok(glob({{"pattern", "*.txt"}, {"max_results", 5}}));
  EXPECT_EQ(exact["matches"].size(), 5u);
  EXPECT_EQ(exact["truncated"], false);
}

TEST_F(SearchToolsTest, GlobMaxEntriesVisited) {
  Limits limits;
  limits.max_entries_visited = 3;
  open_workspace(limits);
  for (int i = 0; i < 5; ++i) put("f" + std::to_string(i) + ".txt", "x");
  const json result = expect_ok(glob({{"pattern", "*.txt"}}));
  EXPECT_EQ(result["matches"].size(), 3u);
  EXPECT_EQ(result["truncated"], true);
}

TEST_F(SearchToolsTest, GlobErrors) {
  make_tree();
  EXPECT_EQ(expect_error(glob({{"pattern", "[z-a]"}})).kind, Kind::invalid_argument);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "/etc"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "secrets"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "README.md"}})).kind,
            Kind::invalid_argument);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "nope"}})).kind, Kind::not_found);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"max_results", 0}})).message,
            "argument \"max_results\" must be an integer from 1 to 10000, got 0");
  EXPECT_EQ(expect_error(glob({{"path", "src"}})).message, "missing required argument \"pattern\"");
}

TEST_F(SearchToolsTest, GrepFindsLines) {
  make_tree();
  const json result = expect_ok(grep({{"pattern", "dup\\("}}));
  EXPECT_EQ(result["matches"], json::parse(R"([
      {"path": "/workspace/src/util/str.c", "line": 1, "text": "char* dup(const char* s);"},
      {"path": "/workspace/src/util/str.h", "line": 1, "text": "char* dup(const char* s);"}])"));
  EXPECT_EQ(result["truncated"], false);
}

TEST_F(SearchToolsTest, GrepLineNumbersAndCrlf) {
  put("a.txt", "one\r\ntwo\r\nthree two\r\n");
  const json result = expect_ok(grep({{"pattern", "two$"}, {"path", "a.txt"}}));
  EXPECT_EQ(result["matches"], json::parse(R"([
      {"path": "/workspace/a.txt", "line": 2, "text": "two"},
      {"path": "/workspace/a.txt", "line": 3, "text": "three two"}])"));
}

TEST_F(SearchToolsTest, GrepCaseInsensitive) {
  put("a.txt", "Hello\nhello\nHELLO\n");
  EXPECT_EQ(expect_ok(grep({{"pattern", "hello"}}))["matches"].size(), 1u);
  EXPECT_EQ(expect_ok(grep({{"pattern", "hello"}, {"case_insensitive", true}}))["matches"].size(),
            3u);
}

TEST_F(SearchToolsTest, GrepInvalidRegexShowsRe2Error) {
  const ToolError error = expect_error(grep({{"pattern", "a(b"}}));
  EXPECT_EQ(error.kind, Kind::invalid_argument);
  EXPECT_EQ(error.message,
            "argument \"pattern\" is not a valid RE2 regular expression: missing ): a(b");
}

TEST_F(SearchToolsTest, GrepSkipsBlockedPathsSilently) {
  make_tree();
  const json result = expect_ok(grep({{"pattern", "TOKEN|key"}}));
  EXPECT_EQ(result["matches"], json::array());
  EXPECT_EQ(expect_error(grep({{"pattern", "TOKEN"}, {"path", ".env"}})).kind, Kind::denied);
}

TEST_F(SearchToolsTest, GrepSkipsBinaryFiles) {
  put("text.txt", "needle\n");
  put("blob.bin", std::string("needle\0\n", 8));
  const json result = expect_ok(grep({{"pattern", "needle"}}));
  EXPECT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["path"], "/workspace/text.txt");
}

TEST_F(SearchToolsTest, GrepGlobFilter) {
  make_tree();
  const json result = expect_ok(grep({{"pattern", "dup"}, {"glob", "**/*.h"}}));
  EXPECT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["path"], "/workspace/src/util/str.h");

  const json relative = expect_ok(grep({{"pattern", "dup"}, {"path", "src/util"}, {"glob", "*.c"}}));
  EXPECT_EQ(relative["matches"].size(), 1u);
  EXPECT_EQ(expect_error(grep({{"pattern", "x"}, {"glob", "a/"}})).kind, Kind::invalid_argument);
}

TEST_F(SearchToolsTest, GrepTruncatesLongLinesOnCharacterBoundary) {
  // 499 ASCII bytes then a two-byte character straddling byte 500.
  put("a.txt", std::string(499, 'a') + "\xc3\xa9" + "tail\n");
  const json result = expect_ok(grep({{"pattern", "tail"}}));
  ASSERT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["text"], std::string(499, 'a'));
}

TEST_F(SearchToolsTest, GrepRepairsInvalidUtf8) {
  put("a.txt", "caf\xe9 needle\n");
  const json result = expect_ok(grep({{"pattern", "needle"}}));
  ASSERT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["text"], "caf\xef\xbf\xbd needle");
  EXPECT_NO_THROW((void)result.dump());
}

TEST_F(SearchToolsTest, GrepMaxResults) {
  put("a.txt", "x\nx\nx\n");
  const json result = expect_ok(grep({{"pattern", "x"}, {"max_results", 2}}));
  EXPECT_EQ(result["matches"].size(), 2u);
  EXPECT_EQ(result["truncated"], true);
}

TEST_F(SearchToolsTest, GrepFileCapMarksTruncated) {
  Limits limits;
  limits.max_grep_file_bytes = 8;
  open_workspace(limits);
  put("a.txt", "hit\nmiss\nhit\n");
  const json result = expect_ok(grep({{"pattern", "hit"}}));
  EXPECT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["truncated"], true);
}

TEST_F(SearchToolsTest, GrepTotalBudgetStopsSearch) {
  Limits limits;
  limits.max_grep_total_bytes = 6;
  open_workspace(limits);
  put("a.txt", "hit\n");
  put("b.txt", "hit\n");
  const json result = expect_ok(grep({{"pattern", "hit"}}));
  EXPECT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["truncated"], true);
}

TEST_F(SearchToolsTest, GrepSkipsSymlinksInWalk) {
  put("real.txt", "needle\n");
  link("real.txt", "alias.txt");
  const json result = expect_ok(grep({{"pattern", "needle"}}));
  ASSERT_EQ(result["matches"].size(), 1u);
  EXPECT_EQ(result["matches"][0]["path"], "/workspace/real.txt");
}

TEST_F(SearchToolsTest, GrepArgumentErrors) {
  EXPECT_EQ(expect_error(grep({{"pattern", "x"}, {"case_insensitive", 1}})).message,
            "argument \"case_insensitive\" must be true or false, got number");
  EXPECT_EQ(expect_error(grep({{"pattern", "x"}, {"context", 2}})).message,
            "unknown argument \"context\"; expected one of: case_insensitive, glob, max_results, "
            "path, pattern");
}

}  // namespace
}  // namespace nucleus::proxy
