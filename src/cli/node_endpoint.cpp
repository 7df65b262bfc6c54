#include "cli/node_endpoint.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nucleus::cli {

namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string token = trim(text.str());
  if (token.empty()) return std::nullopt;
  return token;
}

// Fills `token` and `source` from the flag, the variable or the file.
void resolve_token(const std::optional<std::string>& flag, const char* flag_name, const char* variable,
                   const std::string& file, std::string& token, std::string& source) {
  if (flag) {
    token = *flag;
    source = flag_name;
    return;
  }
  if (auto value = environment(variable)) {
    token = *value;
    source = variable;
    return;
  }
  if (auto value = read_token_file(file)) {
    token = *value;
    source = file;
    return;
  }
  source = std::string("none found in ") + flag_name + ", " + variable + " or " + file;
}

}  // namespace

NodeEndpoint resolve_node_endpoint(const NodeFlags& flags) {
  NodeEndpoint endpoint;
  endpoint.url = flags.url ? *flags.url : environment("NUCLEUS_NODE_URL").value_or(kDefaultNodeUrl);
  while (!endpoint.url.empty() && endpoint.url.back() == '/') endpoint.url.pop_back();

  const std::string state_dir = environment("NUCLEUS_NODE_STATE_DIR").value_or(kDefaultNodeStateDir);
  resolve_token(flags.token, "--token", "NUCLEUS_NODE_TOKEN", state_dir + "/tokens/agent", endpoint.token,
                endpoint.token_source);
  resolve_token(flags.approver_token, "--approver-token", "NUCLEUS_NODE_APPROVER_TOKEN",
                state_dir + "/tokens/approver", endpoint.approver_token, endpoint.approver_token_source);
  return endpoint;
}

}  // namespace nucleus::cli
