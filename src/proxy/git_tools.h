// The git_commit and git_push tools. The proxy runs the git CLI itself, as
// its own user, through run_process; the agent never runs these commands.
// Every git invocation uses GitRunner's hardened settings (no hooks, no
// fsmonitor, no system or global config, no terminal prompts).
//
// git_commit {message, paths?: [agent path], author_name?, author_email?}
//   -> {commit: full object id, summary: "<short id> <subject> (N files changed)"}
// git_push {remote, branch} -> {remote, branch, commit, pushed: true, output}
//
// The tools check no policy themselves: the proxy core decides git_commit
// and git_push before calling them.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"
#include "proxy/run_tool.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

// A forge token for https pushes. git gets it from an askpass script in
// the proxy's private directory that reads it from a 0600 file, so it is
// never on a command line, in a command's environment or in the repository.
struct ForgeCredentials {
  // The token is offered only to https remotes on exactly this host.
  std::string host;
  // [A-Za-z0-9._-]+; GitHub accepts any name with a token, GitLab expects
  // "oauth2".
  std::string username = "x-access-token";
  std::string token;  // secret: never logged, scrubbed from git's output
};

struct GitConfig {
  // Absolute agent path of the work dir, which must be the top level of
  // the repository. Commit paths are relative to it.
  std::string work_dir;
  // An existing directory owned by the proxy's user with no group or other
  // permissions. The tools keep git's empty HOME, the askpass script, the
  // token file and temporary push repositories in a subdirectory that they
  // remove on destruction.
  std::string private_dir;
  std::string git_program = "/usr/bin/git";
  std::optional<ForgeCredentials> credentials;
  EgressProxyEnvironment proxy;
  // Development and tests only: plain http would send the token unencrypted.
  bool allow_plain_http = false;
  // Kernel confinement for every git command; nullptr runs them unconfined.
  // Its writable directories must include the workspace and private_dir.
  std::shared_ptr<const sandbox::CommandConfinement> confinement;
  // Development and tests only: pushing to a path or file:// URL runs
  // git-receive-pack in the proxy on a repository that may be the agent's.
  bool allow_file_remotes = false;
  std::string committer_name = "Nucleus Tool Proxy";
  std::string committer_email = "tool-proxy@nucleus.invalid";
  std::string default_author_name = "Nucleus Agent";
  std::string default_author_email = "agent@nucleus.invalid";
  std::size_t max_message_bytes = 64 * 1024;
  std::chrono::seconds command_timeout{60};  // each git command of a commit
  std::chrono::seconds push_timeout{300};
};

class GitTools {
 public:
  // Checks the config and the private directory, and writes the askpass
  // script and token file when credentials are set.
  static Result<GitTools> make(GitConfig config, ResolveDir resolve_dir);

  // Stages `paths` (all changes when absent) and commits them with
  // `message`. Errors: invalid_argument for a blank or NUL-containing
  // message or an invalid author, too_large for a message over
  // max_message_bytes, denied for a path outside the work dir, conflict
  // "nothing to commit" when the paths have no changes, and failed when git
  // fails. Repository clean and process filters are switched off for the
  // commit, so content is staged byte for byte.
  ToolResult commit(const nlohmann::json& arguments) const;

  // Pushes local branch `branch` to the branch of the same name on
  // `remote` (a configured remote name or a URL), without force. Errors:
  // invalid_argument for invalid names, and not_found for a missing branch
  // or remote. denied for a URL scheme other than https (http and local
  // paths only when allowed). conflict when the remote rejects the update,
  // for example a non-fast-forward. failed or timed_out when git does.
  ToolResult push(const nlohmann::json& arguments) const;

  const GitConfig& config() const;

  // Opaque outside the git tools' own files.
  struct State;

 private:
  explicit GitTools(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace nucleus::proxy
