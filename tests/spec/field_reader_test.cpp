// Typed field access on the YAML tree, field paths, and the mapping of
// positions out of literal block scalars.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>

#include "spec/block_scalar.h"
#include "spec/field_path.h"
#include "spec/field_reader.h"
#include "spec/line_index.h"
#include "spec/yaml_tree.h"

namespace nucleus::spec {
namespace {

// The value of key "v" in the one-document YAML text `text`.
Node value_of(const std::string& text) {
  std::vector<Node> roots = parse_yaml_stream(text);
  EXPECT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots.at(0).keys.at(0).text, "v");
  return roots.at(0).children.at(0);
}

// The SourceError message from `read`, or "" when it does not throw.
template <typename Read>
std::string error_of(Read read) {
  try {
    read();
  } catch (const SourceError& error) {
    return error.format("f");
  }
  return "";
}

TEST(FieldReader, ReadsPlainDecimalIntegers) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"0", 0}, {"-0", 0}, {"7", 7}, {"-42", -42},
      {"9223372036854775807", std::numeric_limits<std::int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<std::int64_t>::min()},
      {"!!int 12", 12},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const Node node = value_of("v: " + text);
    EXPECT_EQ(read_integer(node, "v", std::numeric_limits<std::int64_t>::min(),
                           std::numeric_limits<std::int64_t>::max()),
              expected);
  }
}

TEST(FieldReader, RejectsNonDecimalIntegerForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"+1", "f:1:4: v: a leading '+' is not allowed in integers"},
      {"0x1F", "f:1:4: v: hexadecimal and octal integers are not allowed; write the number in decimal"},
      {"0o17", "f:1:4: v: hexadecimal and octal integers are not allowed"},
      {"017", "f:1:4: v: leading zeros are not allowed in integers (YAML 1.1 reads them as octal)"},
      {"-01", "f:1:4: v: leading zeros are not allowed"},
      {"1.0", "f:1:4: v: expected an integer, got a float (\"1.0\")"},
      {".inf", "f:1:4: v: expected an integer, got a float (\".inf\")"},
      {"'5'", "f:1:4: v: expected an integer, got a string (\"5\"); remove the quotes"},
      {"five", "f:1:4: v: expected an integer, got a string (\"five\")"},
      {"true", "f:1:4: v: expected an integer, got a boolean (\"true\")"},
      {"[1]", "f:1:4: v: expected an integer, got a sequence"},
      {"~", "f:1:4: v: expected an integer, got null"},
      {"9223372036854775808", "f:1:4: v: must be an integer between"},
      {"-9223372036854775809", "f:1:4: v: must be an integer between"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const Node node = value_of("v: " + text);
    const std::string error = error_of([&] {
      read_integer(node, "v", std::numeric_limits<std::int64_t>::min(),
                   std::numeric_limits<std::int64_t>::max());
    });
    EXPECT_TRUE(error.starts_with(expected)) << error;
  }
}

RC_GTEST_PROP(FieldReader, IntegersRoundTripThroughText, (std::int64_t value)) {
  const Node node = value_of("v: " + std::to_string(value));
  RC_ASSERT(read_integer(node, "v", std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max()) == value);
}

RC_GTEST_PROP(FieldReader, UnsignedRangeIsEnforced, (std::uint64_t value, std::uint64_t max)) {
  const Node node = value_of("v: " + std::to_string(value));
  const std::string error = error_of([&] { read_unsigned(node, "v", 0, max); });
  RC_ASSERT(error.empty() == (value <= max));
}

TEST(FieldReader, StringsRejectBooleansAndNull) {
  EXPECT_EQ(read_string(value_of("v: yes"), "v"), "yes");
  EXPECT_EQ(read_string(value_of("v: 0x1F"), "v"), "0x1F");
  EXPECT_EQ(read_string(value_of("v: \"true\""), "v"), "true");
  EXPECT_EQ(read_string(value_of("v: !!str false"), "v"), "false");
  EXPECT_EQ(error_of([] { read_string(value_of("v: True"), "v"); }),
            "f:1:4: v: expected a string, got a boolean (\"True\"); quote it if you mean the text");
  EXPECT_EQ(error_of([] { read_string(value_of("v: null"), "v"); }),
            "f:1:4: v: expected a string, got null");
  EXPECT_EQ(error_of([] { read_nonempty_string(value_of("v: ''"), "v"); }),
            "f:1:4: v: must not be empty");
}

TEST(FieldReader, DecimalsNeverGoThroughDouble) {
  // 0.1 + 0.2 would not be 0.3 in binary floating point.
  EXPECT_EQ(read_decimal(value_of("v: 0.3"), "v").nanos(), 300'000'000);
  // A double has 53 bits of mantissa and would round these nanos.
  EXPECT_EQ(read_decimal(value_of("v: 9007199254.740993001"), "v").nanos(), 9'007'199'254'740'993'001);
  EXPECT_EQ(read_decimal(value_of("v: '12.5'"), "v").nanos(), 12'500'000'000);
  EXPECT_TRUE(error_of([] { read_decimal(value_of("v: true"), "v"); })
                  .starts_with("f:1:4: v: expected a decimal number, got a boolean"));
}

TEST(MappingReaderTest, RejectsUnknownKeys) {
  const std::vector<Node> roots = parse_yaml_stream("a: 1\nzzz: 2\n");
  EXPECT_EQ(error_of([&] { MappingReader reader(roots.at(0), "top", {"a", "b"}); }),
            "f:2:1: top.zzz: unknown field; expected one of: a, b");
}

TEST(MappingReaderTest, RequireNamesMissingField) {
  const std::vector<Node> roots = parse_yaml_stream("\n  a: 1\n");
  const MappingReader reader(roots.at(0), "top", {"a", "b"});
  EXPECT_EQ(error_of([&] { (void)reader.require("b"); }), "f:2:3: top.b: missing required field");
  EXPECT_EQ(reader.require("a").text, "1");
  EXPECT_EQ(reader.find("b"), nullptr);
}

TEST(FieldPath, QuotesNonIdentifierKeys) {
  EXPECT_EQ(append_key("", "spec"), "spec");
  EXPECT_EQ(append_key("data", "pod.yaml"), "data.\"pod.yaml\"");
  EXPECT_EQ(append_key("a", "with space"), "a.\"with space\"");
  EXPECT_EQ(append_key("a", "q\"b\\"), "a.\"q\\\"b\\\\\"");
  EXPECT_EQ(append_key("a", "line\nbreak"), "a.\"line\\x0Abreak\"");
  EXPECT_EQ(append_key("a", ""), "a.\"\"");
  EXPECT_EQ(append_index("list", 3), "list[3]");
  EXPECT_EQ(append_key(append_index("list", 0), "k"), "list[0].k");
}

TEST(FieldPath, QuotedValuesStayShortAndOnOneLine) {
  EXPECT_EQ(quote_value("a\nb\"c"), "\"a\\x0Ab\\\"c\"");
  const std::string long_value(200, 'x');
  EXPECT_EQ(quote_value(long_value), "\"" + std::string(kMaxQuotedBytes, 'x') + "...\"");
  // 79 ASCII bytes then a two-byte character that would straddle the cut.
  const std::string straddling = std::string(79, 'a') + "\xC3\xA9" + std::string(10, 'b');
  EXPECT_EQ(quote_value(straddling), "\"" + std::string(79, 'a') + "...\"");
}

TEST(BlockScalar, FindsAutoDetectedIndentation) {
  const std::string source = "data:\n  pod.yaml: |\n\n      a: 1\n";
  const auto origin = find_literal_block(LineIndex(source), {2, 13}, 3);
  ASSERT_TRUE(origin.has_value());
  EXPECT_EQ(origin->first_line, 3);
  EXPECT_EQ(origin->indent, 6);
  const SourceMark mapped = map_from_block(*origin, {2, 4});
  EXPECT_EQ(mapped.line, 4);
  EXPECT_EQ(mapped.column, 10);
}

TEST(BlockScalar, UsesExplicitIndentation) {
  const std::string source = "data:\n  pod.yaml: |-2\n      a: 1\n";
  const auto origin = find_literal_block(LineIndex(source), {2, 13}, 3);
  ASSERT_TRUE(origin.has_value());
  EXPECT_EQ(origin->indent, 4);  // key indentation 2 plus the indicator 2
}

TEST(BlockScalar, SkipsTagBeforeIndicator) {
  const std::string source = "data:\n  pod.yaml: !!str |\n    a: 1\n";
  const auto origin = find_literal_block(LineIndex(source), {2, 13}, 3);
  ASSERT_TRUE(origin.has_value());
  EXPECT_EQ(origin->indent, 4);
}

TEST(BlockScalar, OtherStylesHaveNoOrigin) {
  EXPECT_FALSE(find_literal_block(LineIndex("k: >\n  a: 1\n"), {1, 4}, 1).has_value());
  EXPECT_FALSE(find_literal_block(LineIndex("k: \"a: 1\"\n"), {1, 4}, 1).has_value());
  EXPECT_FALSE(find_literal_block(LineIndex("k: a\n"), {1, 4}, 1).has_value());
  EXPECT_FALSE(find_literal_block(LineIndex("k: |\nother: 1\n"), {1, 4}, 1).has_value());
  EXPECT_FALSE(find_literal_block(LineIndex("k: |\n"), {9, 4}, 1).has_value());
}

}  // namespace
}  // namespace nucleus::spec
