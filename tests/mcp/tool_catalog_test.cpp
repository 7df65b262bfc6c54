// The tool catalog matches the proxy's tools and gives well-formed schemas.
#include <gtest/gtest.h>

#include <set>

#include "mcp/tool_catalog.h"

namespace nucleus::mcp {
namespace {

using nlohmann::json;

TEST(ToolCatalog, CoversEveryProxyToolWithItsOperation) {
  const std::map<std::string, std::string> expected = {
      {"read", "read_files"},   {"write", "write_files"},     {"edit", "edit_files"},
      {"glob", "glob_search"},  {"grep", "grep_search"},      {"run", "run_bash"},
      {"web_fetch", "web_fetch"}, {"web_search", "web_search"}, {"git_commit", "git_commit"},
      {"git_push", "git_push"}, {"create_pr", "create_pr"}};
  std::map<std::string, std::string> actual;
  for (const ToolSpec& tool : tool_catalog()) actual[tool.name] = tool.operation;
  EXPECT_EQ(actual, expected);
}

TEST(ToolCatalog, SchemasAreClosedObjectsWhoseRequiredFieldsExist) {
  for (const ToolSpec& tool : tool_catalog()) {
    const json& schema = tool.input_schema;
    EXPECT_EQ(schema["type"], "object") << tool.name;
    EXPECT_EQ(schema["additionalProperties"], false) << tool.name;
    for (const json& name : schema.value("required", json::array())) {
      EXPECT_TRUE(schema["properties"].contains(name.get<std::string>())) << tool.name << " requires " << name;
    }
    for (const auto& [name, property] : schema["properties"].items()) {
      EXPECT_TRUE(property.contains("type")) << tool.name << "." << name;
      EXPECT_TRUE(property.contains("description")) << tool.name << "." << name;
    }
    EXPECT_FALSE(tool.description.empty());
  }
}

TEST(ToolCatalog, FindToolIsExact) {
  EXPECT_TRUE(find_tool("read"));
  EXPECT_FALSE(find_tool("READ"));
  EXPECT_FALSE(find_tool("read "));
  EXPECT_FALSE(find_tool(""));
}

TEST(ListTools, AMissingOrMalformedPolicyListsNothing) {
  EXPECT_TRUE(list_tools(json::object()).empty());
  EXPECT_TRUE(list_tools({{"capabilities", {{"read_files", 3}}}}).empty());
  EXPECT_TRUE(list_tools({{"capabilities", {{"read_files", "never"}}}}).empty());
}

TEST(ListTools, ListsEveryToolOfAnAllowedOperation) {
  json capabilities = json::object();
  for (const ToolSpec& tool : tool_catalog()) capabilities[tool.operation] = "always";
  const json tools = list_tools({{"capabilities", capabilities}});
  EXPECT_EQ(tools.size(), tool_catalog().size());
  for (const json& tool : tools) EXPECT_EQ(tool["description"].get<std::string>().find("approval"), std::string::npos);
}

}  // namespace
}  // namespace nucleus::mcp
