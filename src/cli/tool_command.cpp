#include "cli/tool_command.h"

#include <ostream>

#include <fmt/format.h>

#include "cli/app.h"
#include "cli/node_call.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;

json typed_value(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_number() || parsed.is_boolean() || parsed.is_array() || parsed.is_object()) return parsed;
  return text;
}

// Prints the parts of well-known results plainly: a command's output, a
// file's text. Anything else is printed as indented JSON.
void print_result(const json& result, std::ostream& out, std::ostream& err) {
  if (result.is_object() && result.contains("stdout") && result["stdout"].is_string()) {
    out << result["stdout"].get<std::string>();
    if (result.contains("stderr") && result["stderr"].is_string()) err << result["stderr"].get<std::string>();
    if (result.value("timed_out", false)) err << "nucleus: the command timed out\n";
    if (result.contains("exit_code") && result["exit_code"].is_number() && result["exit_code"] != 0) {
      err << "nucleus: the command exited with status " << result["exit_code"].dump() << "\n";
    }
    if (result.contains("signal") && result["signal"].is_number()) {
      err << "nucleus: the command was killed by signal " << result["signal"].dump() << "\n";
    }
    return;
  }
  if (result.is_object() && result.contains("content") && result["content"].is_string() &&
      result.value("encoding", "utf-8") == "utf-8") {
    out << result["content"].get<std::string>();
    if (result.value("truncated", false)) err << "nucleus: the content was truncated\n";
    return;
  }
  out << result.dump(2) << "\n";
}

int handle_tool_response(const NodeClient& client, const ToolCallRequest& request, const HttpResponse& response,
                         std::ostream& out, std::ostream& err) {
  const json body = json::parse(response.body, nullptr, false);
  const std::string status = body.is_object() ? body.value("status", "") : "";
  if (response.status == 200 && status == "ok") {
    print_result(body.value("result", json::object()), out, err);
    return kExitOk;
  }
  if (response.status == 403 && status == "denied") {
    err << "denied: " << body.value("reason", "no reason given") << "\n";
    return kExitDenied;
  }
  if (response.status == 202 && status == "approval_required") {
    const std::string approval_id = body.value("approval_id", "");
    out << fmt::format("approval required: {}\napproval id: {}\nDecide with: nucleus approve {} {}\n",
                       body.value("reason", "no reason given"), approval_id, request.pod_id, approval_id);
    return kExitApprovalRequired;
  }
  if (status == "error" && body.contains("error") && body["error"].is_object()) {
    return report_failure(err,
                          fmt::format("tool {} failed ({}): {}", request.tool, body["error"].value("kind", "error"),
                                      body["error"].value("message", "")),
                          kExitFailure);
  }
  return report_failure(err, client.describe_failure(response), kExitFailure);
}

}  // namespace

Result<json> parse_tool_arguments(const std::vector<std::string>& words) {
  json arguments = json::object();
  for (const std::string& word : words) {
    const auto equals = word.find('=');
    if (equals == std::string::npos) {
      return make_error(fmt::format("argument \"{}\" is not key=value or key:=json", word));
    }
    const bool explicit_json = equals > 0 && word[equals - 1] == ':';
    const std::string key = word.substr(0, explicit_json ? equals - 1 : equals);
    const std::string value = word.substr(equals + 1);
    if (key.empty()) return make_error(fmt::format("argument \"{}\" has an empty key", word));
    if (arguments.contains(key)) return make_error(fmt::format("argument \"{}\" is given twice", key));
    if (!explicit_json) {
      arguments[key] = typed_value(value);
      continue;
    }
    json parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded()) {
      return make_error(fmt::format("argument \"{}\": \"{}\" is not valid JSON (use key=value for a string)", key, value));
    }
    arguments[key] = std::move(parsed);
  }
  return arguments;
}

int run_tool_call(const NodeClient& client, const ToolCallRequest& request, std::ostream& out,
                  std::ostream& err) {
  auto arguments = parse_tool_arguments(request.arguments);
  if (!arguments.ok()) return report_failure(err, arguments.error(), kExitUsage);
  if (request.tool.empty()) return report_failure(err, "the tool name is empty", kExitUsage);

  const std::string path =
      pod_path(request.pod_id) + "/tools/" + path_segment(request.tool) + (request.wait ? "" : "?wait=false");
  auto response = client.send({"POST", path, arguments->dump(), "application/json", TokenRole::agent});
  if (!response.ok()) return report_failure(err, response.error(), kExitFailure);
  return handle_tool_response(client, request, *response, out, err);
}

}  // namespace nucleus::cli
