// ToolArguments: strict reading of a tool call's JSON arguments.
#include "proxy/tool_arguments.h"

#include <gtest/gtest.h>

namespace nucleus::proxy {
namespace {

using nlohmann::json;

TEST(ToolArguments, ReadsEveryType) {
  const json arguments = {{"s", "text"}, {"n", 5}, {"b", true}};
  ToolArguments args(arguments, {"s", "n", "b", "absent"});
  EXPECT_EQ(args.required_string("s"), "text");
  EXPECT_EQ(args.optional_integer("n", 0, 10), 5u);
  EXPECT_TRUE(args.optional_bool("b", false));
  EXPECT_FALSE(args.optional_string("absent").has_value());
  EXPECT_FALSE(args.error().has_value());
}

TEST(ToolArguments, NullOptionalCountsAsAbsent) {
  const json arguments = {{"s", nullptr}, {"n", nullptr}, {"b", nullptr}};
  ToolArguments args(arguments, {"s", "n", "b"});
  EXPECT_FALSE(args.optional_string("s").has_value());
  EXPECT_FALSE(args.optional_integer("n", 0, 10).has_value());
  EXPECT_TRUE(args.optional_bool("b", true));
  EXPECT_FALSE(args.error().has_value());
}

TEST(ToolArguments, IntegerBoundsAndTypes) {
  // Parsed text stores non-negative integers as unsigned, json(5) as
  // signed: both are accepted.
  const json arguments = json::parse(R"({"parsed": 7, "big": 11, "negative": -1, "float": 2.0})");
  {
    ToolArguments args(arguments, {"parsed", "big", "negative", "float"});
    EXPECT_EQ(args.optional_integer("parsed", 0, 10), 7u);
    EXPECT_FALSE(args.error().has_value());
  }
  for (const char* key : {"big", "negative", "float"}) {
    SCOPED_TRACE(key);
    ToolArguments args(arguments, {"parsed", "big", "negative", "float"});
    EXPECT_FALSE(args.optional_integer(key, 0, 10).has_value());
    ASSERT_TRUE(args.error().has_value());
    EXPECT_EQ(args.error()->kind, ToolError::Kind::invalid_argument);
  }
}

TEST(ToolArguments, KeepsFirstError) {
  const json arguments = {{"a", 1}, {"b", 2}};
  ToolArguments args(arguments, {"a", "b"});
  args.required_string("a");
  args.required_string("b");
  ASSERT_TRUE(args.error().has_value());
  EXPECT_EQ(args.error()->message, "argument \"a\" must be a string, got number");
}

TEST(ToolArguments, UnknownKeyIsQuotedAsJson) {
  const json arguments = {{"bad\nkey", 1}};
  ToolArguments args(arguments, {"path"});
  ASSERT_TRUE(args.error().has_value());
  EXPECT_EQ(args.error()->message, "unknown argument \"bad\\nkey\"; expected one of: path");
}

TEST(ToolArguments, RejectsNonObject) {
  for (const json& arguments : {json(nullptr), json("path"), json(3), json::array()}) {
    SCOPED_TRACE(arguments.dump());
    ToolArguments args(arguments, {"path"});
    EXPECT_EQ(args.required_string("path"), "");
    ASSERT_TRUE(args.error().has_value());
    EXPECT_EQ(args.error()->message.rfind("arguments must be a JSON object, got ", 0), 0u);
  }
}

}  // namespace
}  // namespace nucleus::proxy
