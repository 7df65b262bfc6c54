// read, write and edit on real temp workspaces: results, limits, argument
// validation, and refusals by the path rules.
#include "proxy/file_tools.h"

#include <sys/stat.h>

#include <filesystem>
#include <functional>
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

// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
constexpr const char* kSha256OfAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

class FileToolsTest : public workspace_testing::WorkspaceFixture {
 protected:
  ToolResult read(const json& arguments) { return read_tool(workspace(), check_, arguments); }
  ToolResult write(const json& arguments) { return write_tool(workspace(), check_, arguments); }
  ToolResult edit(const json& arguments) { return edit_tool(workspace(), check_, arguments); }
};

TEST_F(FileToolsTest, ReadReturnsTextAndDigest) {
  put("src/a.txt", "abc");
  const json result = expect_ok(read({{"path", "src/a.txt"}}));
  EXPECT_EQ(result["path"], "/workspace/src/a.txt");
  EXPECT_EQ(result["content"], "abc");
  EXPECT_EQ(result["encoding"], "utf-8");
  EXPECT_EQ(result["sha256"], kSha256OfAbc);
  EXPECT_EQ(result["size"], 3);
  EXPECT_EQ(result["bytes"], 3);
  EXPECT_EQ(result["truncated"], false);
}

TEST_F(FileToolsTest, ReadBinaryAsBase64) {
  put("bin", std::string("\xff\x00\x01", 3));
  const json result = expect_ok(read({{"path", "/workspace/bin"}}));
  EXPECT_EQ(result["encoding"], "base64");
  EXPECT_EQ(result["content"], "/wAB");
  EXPECT_EQ(result["bytes"], 3);
}

TEST_F(FileToolsTest, ReadOffsetAndLimitInBytes) {
  put("a.txt", "0123456789");
  const json middle = expect_ok(read({{"path", "a.txt"}, {"offset", 2}, {"limit", 3}}));
  EXPECT_EQ(middle["content"], "234");
  EXPECT_EQ(middle["size"], 10);
  EXPECT_EQ(middle["truncated"], true);

  const json tail = expect_ok(read({{"path", "a.txt"}, {"offset", 7}, {"limit", 100}}));
  EXPECT_EQ(tail["content"], "789");
  EXPECT_EQ(tail["truncated"], false);

  const json past_end = expect_ok(read({{"path", "a.txt"}, {"offset", 50}}));
  EXPECT_EQ(past_end["content"], "");
  EXPECT_EQ(past_end["truncated"], false);
}

TEST_F(FileToolsTest, ReadCappedByLimits) {
  Limits limits;
  limits.max_read_bytes = 4;
  open_workspace(limits);
  put("a.txt", "0123456789");
  const json result = expect_ok(read({{"path", "a.txt"}, {"limit", 1000}}));
  EXPECT_EQ(result["content"], "0123");
  EXPECT_EQ(result["truncated"], true);
}

TEST_F(FileToolsTest, ReadStopsBeforeSplitCharacter) {
  put("a.txt", "ab\xc3\xa9z");  // "abéz": é is two bytes
  const json first = expect_ok(read({{"path", "a.txt"}, {"limit", 3}}));
  EXPECT_EQ(first["encoding"], "utf-8");
  EXPECT_EQ(first["content"], "ab");
  EXPECT_EQ(first["bytes"], 2);
  EXPECT_EQ(first["truncated"], true);

  const json rest = expect_ok(read({{"path", "a.txt"}, {"offset", 2}}));
  EXPECT_EQ(rest["content"], "\xc3\xa9z");
}

TEST_F(FileToolsTest, ReadErrors) {
  std::filesystem::create_directories(host("dir"));
  put(".env", "SECRET=1");
  EXPECT_EQ(expect_error(read({{"path", "missing.txt"}})).kind, Kind::not_found);
  EXPECT_EQ(expect_error(read({{"path", "dir"}})).kind, Kind::invalid_argument);
  EXPECT_EQ(expect_error(read({{"path", ".env"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(read({{"path", "/etc/hostname"}})).kind, Kind::denied);
}

struct ArgumentCase {
  const char* name;
  json arguments;
  std::string message;
};

void expect_argument_errors(const std::vector<ArgumentCase>& cases,
                            const std::function<ToolResult(const json&)>& call) {
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const ToolError error = expect_error(call(test_case.arguments));
    EXPECT_EQ(error.kind, Kind::invalid_argument);
    EXPECT_EQ(error.message, test_case.message);
  }
}

TEST_F(FileToolsTest, ReadArgumentErrors) {
  put("a.txt", "x");
  expect_argument_errors(
      {
          {"not an object", json::array({"a.txt"}),
           "arguments must be a JSON object, got array"},
          {"missing path", json::object(), "missing required argument \"path\""},
          {"path not string", {{"path", 7}}, "argument \"path\" must be a string, got number"},
          {"null path", {{"path", nullptr}}, "argument \"path\" must be a string, got null"},
          {"unknown key", {{"path", "a.txt"}, {"lines", 3}},
           "unknown argument \"lines\"; expected one of: limit, offset, path"},
          {"negative offset", {{"path", "a.txt"}, {"offset", -1}},
           "argument \"offset\" must be an integer from 0 to 9223372036854775807, got -1"},
          {"float limit", {{"path", "a.txt"}, {"limit", 1.5}},
           "argument \"limit\" must be an integer from 0 to 18446744073709551615, got 1.5"},
          {"string limit", {{"path", "a.txt"}, {"limit", "10"}},
           "argument \"limit\" must be an integer from 0 to 18446744073709551615, got string"},
          {"empty path", {{"path", ""}}, "path is empty"},
      },
      [&](const json& arguments) { return read(arguments); });
}

TEST_F(FileToolsTest, WriteCreatesFileAndParents) {
  const json result = expect_ok(write({{"path", "src/new/b.txt"}, {"content", "abc"}}));
  EXPECT_EQ(result["path"], "/workspace/src/new/b.txt");
  EXPECT_EQ(result["bytes"], 3);
  EXPECT_EQ(result["sha256"], kSha256OfAbc);
  EXPECT_EQ(get("src/new/b.txt"), "abc");
}

TEST_F(FileToolsTest, WriteOverwritesKeepingMode) {
  put("run.sh", "old contents");
  std::filesystem::permissions(host("run.sh"), std::filesystem::perms(0700));
  expect_ok(write({{"path", "run.sh"}, {"content", "new"}}));
  EXPECT_EQ(get("run.sh"), "new");
  struct stat status {};
  ASSERT_EQ(::stat(host("run.sh").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0700u);
}

TEST_F(FileToolsTest, WriteBase64Content) {
  const json result =
      expect_ok(write({{"path", "bin"}, {"content", "/wAB"}, {"encoding", "base64"}}));
  EXPECT_EQ(result["bytes"], 3);
  EXPECT_EQ(get("bin"), std::string("\xff\x00\x01", 3));
}

TEST_F(FileToolsTest, WriteThroughInsideSymlinkReplacesTarget) {
  put("docs/notes.md", "old");
  link("docs/notes.md", "notes.txt");
  const json result = expect_ok(write({{"path", "notes.txt"}, {"content", "new"}}));
  EXPECT_EQ(result["path"], "/workspace/docs/notes.md");
  EXPECT_EQ(get("docs/notes.md"), "new");
  EXPECT_TRUE(std::filesystem::is_symlink(host("notes.txt")));
}

TEST_F(FileToolsTest, WriteRefusals) {
  std::filesystem::create_directories(host("dir"));
  EXPECT_EQ(expect_error(write({{"path", ".env"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "a/secrets/k"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "dir"}, {"content", "x"}})).kind, Kind::invalid_argument);
  EXPECT_EQ(expect_error(write({{"path", "../x"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_FALSE(std::filesystem::exists(host(".env")));
  EXPECT_FALSE(std::filesystem::exists(host("a")));
}

TEST_F(FileToolsTest, WriteTooLarge) {
  Limits limits;
  limits.max_write_bytes = 2;
  open_workspace(limits);
  const ToolError error = expect_error(write({{"path", "a.txt"}, {"content", "abc"}}));
  EXPECT_EQ(error.kind, Kind::too_large);
  EXPECT_EQ(error.message, "content is 3 bytes; the maximum per write is 2");
  EXPECT_FALSE(std::filesystem::exists(host("a.txt")));
}

TEST_F(FileToolsTest, WriteArgumentErrors) {
  expect_argument_errors(
      {
          {"missing content", {{"path", "a.txt"}}, "missing required argument \"content\""},
          {"content not string", {{"path", "a.txt"}, {"content", json::array()}},
           "argument \"content\" must be a string, got array"},
          {"bad encoding", {{"path", "a.txt"}, {"content", "x"}, {"encoding", "latin1"}},
           "argument \"encoding\" must be \"utf-8\" or \"base64\", got \"latin1\""},
          {"bad base64", {{"path", "a.txt"}, {"content", "abc"}, {"encoding", "base64"}},
           "argument \"content\" is not valid padded base64 (RFC 4648, no whitespace)"},
          {"unknown key", {{"path", "a.txt"}, {"content", "x"}, {"mode", 420}},
           "unknown argument \"mode\"; expected one of: content, encoding, path"},
      },
      [&](const json& arguments) { return write(arguments); });
  EXPECT_FALSE(std::filesystem::exists(host("a.txt")));
}

TEST_F(FileToolsTest, EditReplacesUniqueString) {
  put("a.c", "int x = 1;\nint y = 2;\n");
  const json result =
      expect_ok(edit({{"path", "a.c"}, {"old_string", "x = 1"}, {"new_string", "x = 10"}}));
  EXPECT_EQ(result["path"], "/workspace/a.c");
  EXPECT_EQ(result["replacements"], 1);
  EXPECT_EQ(get("a.c"), "int x = 10;\nint y = 2;\n");
}

TEST_F(FileToolsTest, EditNotFoundIsConflict) {
  put("a.c", "abc");
  const ToolError error =
      expect_error(edit({{"path", "a.c"}, {"old_string", "zzz"}, {"new_string", "y"}}));
  EXPECT_EQ(error.kind, Kind::conflict);
  EXPECT_EQ(error.message, "old_string not found in /workspace/a.c");
  EXPECT_EQ(get("a.c"), "abc");
}

TEST_F(FileToolsTest, EditAmbiguousIsConflict) {
  put("a.c", "x x x");
  const ToolError error =
      expect_error(edit({{"path", "a.c"}, {"old_string", "x"}, {"new_string", "y"}}));
  EXPECT_EQ(error.kind, Kind::conflict);
  EXPECT_EQ(error.message,
            "old_string occurs 3 times in /workspace/a.c; pass replace_all or a longer old_string");
  EXPECT_EQ(get("a.c"), "x x x");
}

TEST_F(FileToolsTest, EditReplaceAll) {
  put("a.c", "x x x");
  const json result = expect_ok(
      edit({{"path", "a.c"}, {"old_string", "x"}, {"new_string", "yy"}, {"replace_all", true}}));
  EXPECT_EQ(result["replacements"], 3);
  EXPECT_EQ(get("a.c"), "yy yy yy");
}

TEST_F(FileToolsTest, EditReplacementContainingOldString) {
  put("a.c", "ab ab");
  const json result = expect_ok(
      edit({{"path", "a.c"}, {"old_string", "ab"}, {"new_string", "abab"}, {"replace_all", true}}));
  EXPECT_EQ(result["replacements"], 2);
  EXPECT_EQ(get("a.c"), "abab abab");
}

TEST_F(FileToolsTest, EditRefusals) {
  put(".env", "A=1");
  put("a.c", "abc");
  std::filesystem::create_hard_link(host("a.c"), host("b.c"));
  EXPECT_EQ(expect_error(edit({{"path", ".env"}, {"old_string", "A"}, {"new_string", "B"}})).kind,
            Kind::denied);
  EXPECT_EQ(expect_error(edit({{"path", "a.c"}, {"old_string", "a"}, {"new_string", "b"}})).kind,
            Kind::denied);
  EXPECT_EQ(expect_error(edit({{"path", "no.c"}, {"old_string", "a"}, {"new_string", "b"}})).kind,
            Kind::not_found);
  EXPECT_EQ(get(".env"), "A=1");
  EXPECT_EQ(get("a.c"), "abc");
}

TEST_F(FileToolsTest, EditTooLarge) {
  Limits limits;
  limits.max_write_bytes = 4;
  open_workspace(limits);
  put("big.txt", "aaaaa");
  put("small.txt", "aaaa");
  EXPECT_EQ(
      expect_error(edit({{"path", "big.txt"}, {"old_string", "a"}, {"new_string", "b"}, {"replace_all", true}}))
          .kind,
      Kind::too_large);
  EXPECT_EQ(expect_error(edit({{"path", "small.txt"}, {"old_string", "a"}, {"new_string", "bb"},
                               {"replace_all", true}}))
                .kind,
            Kind::too_large);
  EXPECT_EQ(get("small.txt"), "aaaa");
}

TEST_F(FileToolsTest, EditArgumentErrors) {
  put("a.c", "abc");
  expect_argument_errors(
      {
          {"empty old_string", {{"path", "a.c"}, {"old_string", ""}, {"new_string", "x"}},
           "argument \"old_string\" is empty; use write to create or overwrite a file"},
          {"identical strings", {{"path", "a.c"}, {"old_string", "a"}, {"new_string", "a"}},
           "old_string and new_string are identical, so there is nothing to change"},
          {"missing new_string", {{"path", "a.c"}, {"old_string", "a"}},
           "missing required argument \"new_string\""},
          {"replace_all not bool",
           {{"path", "a.c"}, {"old_string", "a"}, {"new_string", "b"}, {"replace_all", "yes"}},
           "argument \"replace_all\" must be true or false, got string"},
      },
      [&](const json& arguments) { return edit(arguments); });
  EXPECT_EQ(get("a.c"), "abc");
}

}  // namespace
}  // namespace nucleus::proxy
