// Line-break restoration for YAML bodies sent with `curl -d @file`, which
// strips CR and LF: every quickstart document must parse to the same
// documents as the original file.
#include "spec/flattened_yaml.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/compile.h"
#include "spec/document.h"

namespace nucleus::spec {
namespace {

std::string read_example(const std::string& name) {
  std::ifstream in(std::string(NUCLEUS_SOURCE_DIR_FOR_SPEC) + "/examples/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string flatten(std::string text) {
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }), text.end());
  return text;
}

std::string policy_checksum(const std::string& text) {
  auto documents = parse_documents(text, "body");
  if (!documents) return "error: " + documents.error();
  auto policy = compile_first_policy(*documents);
  return policy ? policy->checksum() : "error: " + policy.error();
}

class QuickstartBodies : public ::testing::TestWithParam<std::string> {};

TEST_P(QuickstartBodies, FlattenedParsesLikeOriginal) {
  const std::string original = read_example(GetParam());
  ASSERT_FALSE(original.empty());
  const auto restored = restore_line_breaks(flatten(original));
  ASSERT_TRUE(restored.has_value());
  const auto before = parse_documents(original, "original");
  const auto after = parse_documents(*restored, "restored");
  ASSERT_TRUE(before) << before.error();
  ASSERT_TRUE(after) << after.error() << "\n" << *restored;
  ASSERT_EQ(before->size(), after->size()) << *restored;
  for (std::size_t i = 0; i < before->size(); ++i) EXPECT_EQ((*before)[i].kind, (*after)[i].kind) << i;
  EXPECT_EQ(policy_checksum(original), policy_checksum(*restored)) << *restored;
}

INSTANTIATE_TEST_SUITE_P(Examples, QuickstartBodies, ::testing::Values("sandbox.yaml", "nucleus-sandbox.yaml"),
                         [](const auto& info) { return info.param == "sandbox.yaml" ? "Sandbox" : "NucleusSandbox"; });

TEST(RestoreLineBreaks, LeavesTextWithLineBreaksAlone) {
  EXPECT_FALSE(restore_line_breaks("kind: PodSpec\nspec: {}\n").has_value());
  EXPECT_FALSE(restore_line_breaks("{\"kind\": \"PodSpec\"}").has_value());
  EXPECT_FALSE(restore_line_breaks("").has_value());
}

TEST(RestoreLineBreaks, SplitsGluedTopLevelKeys) {
  const auto restored = restore_line_breaks("apiVersion: v1kind: ConfigMapmetadata:  name: x");
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(*restored, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
}

TEST(RestoreLineBreaks, KeepsValuesWithSingleSpaces) {
  const auto restored = restore_line_breaks("kind: PodSpecmetadata:  name: a - b  namespace: x y");
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(*restored, "kind: PodSpec\nmetadata:\n  name: a - b\n  namespace: x y\n");
}

TEST(RestoreLineBreaks, EndsCommentsAtTheNextLine) {
  const auto restored = restore_line_breaks("# a comment: herekind: PodSpecspec:  # note  profile: demo");
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(*restored, "# a comment: here\nkind: PodSpec\nspec:\n  # note\n  profile: demo\n");
}

}  // namespace
}  // namespace nucleus::spec
