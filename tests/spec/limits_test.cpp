// Input limits: size, UTF-8, aliases, nesting depth and node count. Each
// hostile input must be rejected quickly, at the right position.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "spec/document.h"
#include "spec/yaml_tree.h"
#include "spec_test_support.h"

namespace nucleus::spec {
namespace {

using Clock = std::chrono::steady_clock;

// Parses `text` and returns the error, failing the test if parsing takes
// longer than a second, which for these inputs means the limit did not
// stop the work early.
std::string timed_error(const std::string& text) {
  const auto start = Clock::now();
  auto result = parse_documents(text, "test.yaml");
  const auto elapsed = Clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  EXPECT_FALSE(result.ok());
  return result.ok() ? std::string() : result.error();
}

TEST(SpecLimits, SizeCheckedFirst) {
  // Two MiB of invalid UTF-8: the size check must come before the byte check.
  const std::string text(2u << 20, '\xFF');
  EXPECT_EQ(timed_error(text), "test.yaml:1:1: input is 2097152 bytes, over the limit of 1048576 bytes");
}

TEST(SpecLimits, AcceptsInputAtSizeLimit) {
  std::string text = "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\nspec: {}\n";
  text.resize(kMaxDocumentBytes, '#');  // the rest is one long comment line
  text[text.size() - 1] = '\n';
  auto at_limit = parse_documents(text, "test.yaml");
  EXPECT_TRUE(at_limit.ok()) << at_limit.error();

  text += "\n";
  auto over_limit = parse_documents(text, "test.yaml");
  ASSERT_FALSE(over_limit.ok());
  EXPECT_EQ(over_limit.error(), "test.yaml:1:1: input is 1048577 bytes, over the limit of 1048576 bytes");
}

TEST(SpecLimits, RejectsBillionLaughs) {
  std::string text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char name = 'b'; name <= 'i'; ++name) {
    const char previous = static_cast<char>(name - 1);
    text += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i == 0 ? "" : ",") + "*" + previous;
    text += "]\n";
  }
  EXPECT_EQ(timed_error(text),
            "test.yaml:1:4: a: aliases and anchors are not supported (this also rules out alias "
            "bombs); write the value out in full");
}

TEST(SpecLimits, RejectsDeepFlowSequences) {
  const std::string text = "a: " + std::string(10'000, '[') + std::string(10'000, ']') + "\n";
  const std::string error = timed_error(text);
  // The root mapping is level 1, so the 32nd '[' (column 35) is level 33.
  EXPECT_TRUE(error.starts_with("test.yaml:1:35: a")) << error;
  EXPECT_NE(error.find("nesting deeper than 32 levels is not supported"), std::string::npos) << error;
}

TEST(SpecLimits, RejectsDeepFlowMappings) {
  std::string text = "a: ";
  for (int i = 0; i < 10'000; ++i) text += "{a: ";
  const std::string error = timed_error(text);
  // The 32nd '{' is level 33; each "{a: " takes four columns after "a: ".
  EXPECT_TRUE(error.starts_with("test.yaml:1:128: a.a.a.")) << error;
  EXPECT_NE(error.find("nesting deeper than 32 levels"), std::string::npos) << error;
}

TEST(SpecLimits, RejectsUnclosedFlowKeys) {
  // yaml-cpp reads a leading unclosed "{" as the key of a block mapping.
  std::string text;
  for (int i = 0; i < 10'000; ++i) text += "{a: ";
  EXPECT_EQ(timed_error(text), "test.yaml:1:1: mapping keys must be scalars, not collections");
}

TEST(SpecLimits, RejectsDeepBlockMappings) {
  std::string text;
  for (int level = 0; level < 40; ++level) text += std::string(static_cast<std::size_t>(level), ' ') + "k:\n";
  const std::string error = timed_error(text);
  // Level 33 is the mapping that starts at the 33rd "k:", on line 33.
  EXPECT_TRUE(error.starts_with("test.yaml:33:33: k.k.k.")) << error;
  EXPECT_NE(error.find("nesting deeper than 32 levels"), std::string::npos) << error;
}

TEST(SpecLimits, AcceptsNestingAtLimit) {
  const std::string text =
      std::string(kMaxNestingDepth, '[') + std::string(kMaxNestingDepth, ']') + "\n";
  const std::vector<Node> roots = parse_yaml_stream(text);
  ASSERT_EQ(roots.size(), 1u);
}

TEST(SpecLimits, RejectsFirstNodeOverLimit) {
  // One sequence plus its items: item 19999 is node 20001.
  std::string text = "[";
  for (std::size_t i = 0; i < kMaxNodes + 10; ++i) text += i == 0 ? "1" : ",1";
  text += "]\n";
  const std::string error = timed_error(text);
  // Items sit at columns 2, 4, 6, ...: item i at column 2 + 2i.
  EXPECT_TRUE(error.starts_with("test.yaml:1:40000: [19999]: too many nodes")) << error;
}

TEST(SpecLimits, AcceptsNodesAtLimit) {
  std::string text = "[";
  for (std::size_t i = 0; i + 1 < kMaxNodes; ++i) text += i == 0 ? "1" : ",1";
  text += "]\n";
  const std::vector<Node> roots = parse_yaml_stream(text);
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].children.size(), kMaxNodes - 1);
}

TEST(SpecLimits, NodeLimitCoversStream) {
  std::string text;
  for (std::size_t i = 0; i <= kMaxNodes; ++i) text += "---\nx\n";
  // Document i (0-based) has its scalar on line 2i + 2; document 20000
  // is node 20001.
  EXPECT_TRUE(timed_error(text).starts_with("test.yaml:40002:1: too many nodes"));
}

struct Utf8Case {
  const char* name;
  std::string text;
  const char* expected;
};

TEST(SpecLimits, ReportsFirstInvalidByte) {
  const std::vector<Utf8Case> cases = {
      {"lone continuation byte", "kind: Pod\x80Spec\n", "test.yaml:1:10: invalid UTF-8 (byte 0x80)"},
      {"bad byte on a later line", "a: 1\nbb: \xC3\x28\n", "test.yaml:2:5: invalid UTF-8 (byte 0xC3)"},
      {"overlong slash", "a: \xC0\xAF\n", "test.yaml:1:4: invalid UTF-8 (byte 0xC0)"},
      {"UTF-16 surrogate", "a: \xED\xA0\x80\n", "test.yaml:1:4: invalid UTF-8 (byte 0xED)"},
      {"above U+10FFFF", "a: \xF4\x90\x80\x80\n", "test.yaml:1:4: invalid UTF-8 (byte 0xF4)"},
      {"truncated at the end", "a: \xE2\x82", "test.yaml:1:4: invalid UTF-8 (byte 0xE2)"},
      {"0xFF", "\xFF", "test.yaml:1:1: invalid UTF-8 (byte 0xFF)"},
      {"after valid multibyte text", "a: \xC3\xA9t\xC3\xA9 \xFE\n", "test.yaml:1:10: invalid UTF-8 (byte 0xFE)"},
      {"NUL byte", std::string("a: b\0c\n", 7), "test.yaml:1:5: character U+0000 is not allowed"},
      {"C0 control", "a: \x01\n", "test.yaml:1:4: character U+0001 is not allowed"},
      {"DEL", "a: \x7F\n", "test.yaml:1:4: character U+007F is not allowed"},
      {"C1 control", "a: \xC2\x9B\n", "test.yaml:1:4: character U+009B is not allowed"},
      {"noncharacter U+FFFF", "a: \xEF\xBF\xBF\n", "test.yaml:1:4: character U+FFFF is not allowed"},
      {"NEL", "a: \"x\xC2\x85y\"\n", "test.yaml:1:6: character U+0085 is not allowed: YAML 1.1"},
      {"LINE SEPARATOR", "a: x\xE2\x80\xA8y\n", "test.yaml:1:5: character U+2028 is not allowed"},
      {"PARAGRAPH SEPARATOR", "a: x\xE2\x80\xA9y\n", "test.yaml:1:5: character U+2029 is not allowed"},
  };
  for (const Utf8Case& row : cases) {
    SCOPED_TRACE(row.name);
    auto result = parse_documents(row.text, "test.yaml");
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(result.error().starts_with(row.expected)) << result.error();
  }
}

TEST(SpecLimits, AcceptsMultibyteText) {
  const auto documents = testing::parse_ok(
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\n"
      "  annotations: {note: \"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}\nspec: {}\n");
  EXPECT_EQ(documents.size(), 1u);
}

}  // namespace
}  // namespace nucleus::spec
