#include "cli/mcp_config.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace nucleus::cli {

using nlohmann::json;

namespace {

json stdio_server(const McpLaunch& launch) {
  return {{"command", launch.nucleus_binary},
          {"args", {"mcp", "--pod", launch.pod_id, "--node", launch.node_url}},
          {"env", {{"NUCLEUS_NODE_TOKEN", launch.agent_token}}}};
}

Result<std::string> write_private_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return make_error(syscall_error("open", path));
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(syscall_error("write", path));
    written += static_cast<std::size_t>(n);
  }
  return path;
}

}  // namespace

json claude_mcp_config(const McpLaunch& launch) {
  json server = stdio_server(launch);
  server["type"] = "stdio";
  return {{"mcpServers", {{"nucleus", std::move(server)}}}};
}

json plain_mcp_config(const McpLaunch& launch) {
  return {{"pod", launch.pod_id},
          {"stdio", stdio_server(launch)},
          {"http",
           {{"url", launch.node_url + "/v1/pods/" + launch.pod_id + "/mcp"},
            {"headers", {{"Authorization", "Bearer " + launch.agent_token}}}}}};
}

Result<McpConfigFiles> write_mcp_configs(const std::string& dir, const McpLaunch& launch) {
  McpConfigFiles files{dir + "/.mcp.json", dir + "/nucleus-mcp.json"};
  auto claude = write_private_file(files.claude_path, claude_mcp_config(launch).dump(2) + "\n");
  if (!claude.ok()) return make_error(claude.error());
  auto plain = write_private_file(files.plain_path, plain_mcp_config(launch).dump(2) + "\n");
  if (!plain.ok()) return make_error(plain.error());
  return files;
}

}  // namespace nucleus::cli
