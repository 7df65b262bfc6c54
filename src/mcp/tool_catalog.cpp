#include "mcp/tool_catalog.h"

#include <algorithm>

namespace nucleus::mcp {

using nlohmann::json;

namespace {

json str(std::string_view description) { return {{"type", "string"}, {"description", description}}; }

json integer(std::string_view description, std::int64_t minimum) {
  return {{"type", "integer"}, {"minimum", minimum}, {"description", description}};
}

json boolean(std::string_view description) { return {{"type", "boolean"}, {"description", description}}; }

json string_map(std::string_view description) {
  return {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}, {"description", description}};
}

json object_schema(json properties, std::vector<std::string> required) {
  json schema = {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

std::vector<ToolSpec> build_catalog() {
  const json path = str("Path inside the workspace, relative to the work dir or absolute under it");
  std::vector<ToolSpec> tools;
  tools.push_back({"read", "read_files", "Read a file",
                   "Read a file from the pod's workspace. Text comes back as UTF-8, anything else as base64.",
                   object_schema({{"path", path},
                                  {"offset", integer("Byte offset to start at", 0)},
                                  {"limit", integer("Most bytes to return", 0)}},
                                 {"path"}),
                   true, false});

  tools.push_back({"write", "write_files", "Write a file",
                   "Create or replace a file in the pod's workspace.",
                   object_schema({{"path", path},
                                  {"content", str("The new content")},
                                  {"encoding", {{"type", "string"}, {"enum", {"utf-8", "base64"}},
                                                {"description", "How content is encoded (default utf-8)"}}}},
                                 {"path", "content"}),
                   false, false});

  tools.push_back({"edit", "edit_files", "Edit a file",
                   "Replace an exact string in a workspace file. old_string must occur once unless replace_all is true.",
                   object_schema({{"path", path},
                                  {"old_string", str("Text to find, exactly")},
                                  {"new_string", str("Replacement text")},
                                  {"replace_all", boolean("Replace every occurrence")}},
                                 {"path", "old_string", "new_string"}),
                   false, false});

  tools.push_back({"glob", "glob_search", "Find files",
                   "List workspace files matching a glob pattern such as src/**/*.cpp.",
                   object_schema({{"pattern", str("Glob pattern")},
                                  {"path", str("Directory to search (default: the work dir)")},
                                  {"max_results", integer("Most matches to return", 1)}},
                                 {"pattern"}),
                   true, false});

  tools.push_back({"grep", "grep_search", "Search file contents",
                   "Search workspace files for an RE2 regular expression and return matching lines.",
                   object_schema({{"pattern", str("RE2 regular expression")},
                                  {"path", str("Directory or file to search (default: the work dir)")},
                                  {"glob", str("Only files whose names match this glob")},
                                  {"max_results", integer("Most matching lines to return", 1)},
                                  {"case_insensitive", boolean("Ignore case")}},
                                 {"pattern"}),
                   true, false});

  tools.push_back({"run", "run_bash", "Run a command",
                   "Run a command in the sandbox, either a shell command line (command) or an argument vector "
                   "(argv); pass exactly one. Returns the exit code, stdout and stderr.",
                   object_schema({{"command", str("Shell command line")},
                                  {"argv", {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1},
                                            {"description", "Program and arguments, run without a shell"}}},
                                  {"cwd", str("Working directory inside the workspace")},
                                  {"env", string_map("Extra environment variables")},
                                  {"timeout_seconds", integer("Kill the command after this many seconds", 1)},
                                  {"stdin", str("Text to send to standard input")}},
                                 {}),
                   false, false});

  tools.push_back({"web_fetch", "web_fetch", "Fetch a URL",
                   "Fetch a URL over HTTP(S) through the pod's egress allowlist.",
                   object_schema({{"url", str("http or https URL")},
                                  {"headers", string_map("Request headers")},
                                  {"max_bytes", integer("Most body bytes to return", 1)}},
                                 {"url"}),
                   true, true});

  tools.push_back({"web_search", "web_search", "Search the web",
                   "Search the web and return titles, URLs and snippets.",
                   object_schema({{"query", str("Search query")}, {"max_results", integer("Most results", 1)}},
                                 {"query"}),
                   true, true});

  tools.push_back({"git_commit", "git_commit", "Commit changes",
                   "Commit workspace changes to the git repository in the work dir.",
                   object_schema({{"message", str("Commit message")},
                                  {"paths", {{"type", "array"}, {"items", {{"type", "string"}}},
                                             {"description", "Paths to stage (default: every change)"}}},
                                  {"author_name", str("Author name")},
                                  {"author_email", str("Author email")}},
                                 {"message"}),
                   false, false});

  tools.push_back({"git_push", "git_push", "Push a branch",
                   "Push a branch of the workspace repository to a remote.",
                   object_schema({{"remote", str("Remote name, e.g. origin")}, {"branch", str("Branch to push")}},
                                 {"remote", "branch"}),
                   false, true});

  tools.push_back({"create_pr", "create_pr", "Open a pull request",
                   "Open a pull request on the forge that hosts the repository.",
                   object_schema({{"title", str("Title")},
                                  {"body", str("Description")},
                                  {"head", str("Branch with the changes")},
                                  {"base", str("Branch to merge into")},
                                  {"repo", str("owner/name (default: from the origin remote)")}},
                                 {"title", "head", "base"}),
                   false, true});

  return tools;
}

bool contains(const json& list, const std::string& value) {
  return list.is_array() && std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

const std::vector<ToolSpec>& tool_catalog() {
  static const std::vector<ToolSpec> catalog = build_catalog();
  return catalog;
}

std::optional<ToolSpec> find_tool(std::string_view name) {
  for (const ToolSpec& tool : tool_catalog()) {
    if (tool.name == name) return tool;
  }
  return std::nullopt;
}

json list_tools(const json& policy) {
  const json capabilities = policy.value("capabilities", json::object());
  const json obligations = policy.value("obligations", json::array());
  const json trifecta = policy.value("trifecta_obligations", json::array());
  json tools = json::array();
  for (const ToolSpec& tool : tool_catalog()) {
    const json level = capabilities.value(tool.operation, json("never"));
    if (!level.is_string() || level == "never") continue;
    std::string description = tool.description;
    if (contains(trifecta, tool.operation)) {
      description += " Each call waits for a human approval: this pod can read private data and sees untrusted "
                     "content, so " + tool.operation + " could leak data.";
    } else if (contains(obligations, tool.operation)) {
      description += " Each call waits for a human approval, as this pod's policy requires.";
    }
    tools.push_back({{"name", tool.name},
                     {"title", tool.title},
                     {"description", description},
                     {"inputSchema", tool.input_schema},
                     {"annotations",
                      {{"title", tool.title},
                       {"readOnlyHint", tool.read_only},
                       {"destructiveHint", !tool.read_only},
                       {"openWorldHint", tool.open_world}}}});
  }
  return tools;
}

}  // namespace nucleus::mcp
