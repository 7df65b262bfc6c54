#include "policy/profiles.h"

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

namespace nucleus::policy {

namespace {

constexpr std::array<ProfileInfo, 6> kProfiles = {{
    {"read-only", "Code exploration: read and search files; no writes, commands or network"},
    {"code-review", "PR review agents: read and search files plus web search for context"},
    {"fix-issue", "Bug fix agents: full dev workflow, secrets blocked, trifecta protected"},
    {"demo", "Live demos: edit files and run commands, but shell interpreters are blocked"},
    {"permissive", "Everything allowed in the work dir; the trifecta rule still applies"},
    {"restrictive", "Low-risk reads of the work dir only, secrets blocked, small budget"},
}};

// Files that commonly hold credentials. Blocked by fix-issue and
// restrictive; a document can add to this list but never remove from it.
constexpr std::array<std::string_view, 24> kSensitivePaths = {
    "**/.env",           "**/.env.*",          "**/*.pem",
    "**/*.key",          "**/*.p12",           "**/*.pfx",
    "**/secrets.*",      "**/id_rsa*",         "**/id_dsa*",
    "**/id_ecdsa*",      "**/id_ed25519*",     "**/.ssh/**",
    "**/.aws/**",        "**/.gnupg/**",       "**/.git/config",
    "**/.git-credentials", "**/.netrc",        "**/.npmrc",
    "**/.pypirc",        "**/.docker/config.json", "**/.kube/config",
    "**/credentials.json", "**/.config/gh/hosts.yml", "**/.config/gcloud/**",
};

// Shell and language interpreters: each can run arbitrary code that the
// command rules cannot see, so the demo profile blocks them.
constexpr std::array<std::string_view, 13> kInterpreters = {
    "bash", "sh", "dash", "zsh", "fish", "ksh", "python",
    "python3", "node", "ruby", "perl", "php", "pwsh",
};

using LevelTable = std::array<std::pair<Operation, Level>, kOperationCount>;

Capabilities capabilities_from(const LevelTable& table) {
  Capabilities caps;
  for (const auto& [op, level] : table) caps.set_level(op, level);
  return caps;
}

LevelTable levels_for(std::string_view name) {
  using enum Operation;
  constexpr Level N = Level::never, L = Level::low_risk, A = Level::always;
  if (name == "read-only") {
    return {{{read_files, A}, {write_files, N}, {edit_files, N}, {run_bash, N},
             {glob_search, A}, {grep_search, A}, {web_search, N}, {web_fetch, N},
             {git_commit, N}, {git_push, N}, {create_pr, N}}};
  }
  if (name == "code-review") {
    return {{{read_files, A}, {write_files, N}, {edit_files, N}, {run_bash, N},
             {glob_search, A}, {grep_search, A}, {web_search, L}, {web_fetch, N},
             {git_commit, N}, {git_push, N}, {create_pr, N}}};
  }
  if (name == "fix-issue") {
    return {{{read_files, A}, {write_files, L}, {edit_files, L}, {run_bash, L},
             {glob_search, A}, {grep_search, A}, {web_search, L}, {web_fetch, L},
             {git_commit, L}, {git_push, L}, {create_pr, L}}};
  }
  if (name == "demo") {
    return {{{read_files, A}, {write_files, L}, {edit_files, L}, {run_bash, L},
             {glob_search, A}, {grep_search, A}, {web_search, N}, {web_fetch, N},
             {git_commit, L}, {git_push, N}, {create_pr, N}}};
  }
  if (name == "permissive") {
    return {{{read_files, A}, {write_files, A}, {edit_files, A}, {run_bash, A},
             {glob_search, A}, {grep_search, A}, {web_search, A}, {web_fetch, A},
             {git_commit, A}, {git_push, A}, {create_pr, A}}};
  }
  // restrictive
  return {{{read_files, L}, {write_files, N}, {edit_files, N}, {run_bash, N},
           {glob_search, L}, {grep_search, L}, {web_search, N}, {web_fetch, N},
           {git_commit, N}, {git_push, N}, {create_pr, N}}};
}

Glob must_compile(std::string_view pattern, std::string_view work_dir) {
  std::string error;
  auto glob = Glob::compile(pattern, work_dir, &error);
  // Built-in patterns are constants; a failure here is a programming bug.
  if (!glob) throw std::logic_error("built-in glob " + std::string(pattern) + ": " + error);
  return std::move(*glob);
}

CommandRule must_rule(std::string_view program) {
  auto rule = CommandRule::prefix(program);
  if (!rule.ok()) throw std::logic_error("built-in command rule: " + rule.error());
  return std::move(rule).value();
}

}  // namespace

std::span<const ProfileInfo> profiles() { return kProfiles; }

bool is_profile_name(std::string_view name) {
  for (const ProfileInfo& info : kProfiles) {
    if (info.name == name) return true;
  }
  return false;
}

Envelope profile_envelope(std::string_view name, std::string_view work_dir) {
  Envelope envelope;
  envelope.capabilities = capabilities_from(levels_for(name));

  std::vector<Glob> blocked;
  if (name == "fix-issue" || name == "restrictive") {
    for (std::string_view pattern : kSensitivePaths) blocked.push_back(must_compile(pattern, work_dir));
  }
  envelope.paths = make_path_rules({subtree_glob(work_dir)}, blocked);

  std::vector<CommandRule> blocked_commands;
  if (name == "demo") {
    for (std::string_view program : kInterpreters) blocked_commands.push_back(must_rule(program));
  }
  envelope.commands = make_command_rules({}, blocked_commands);

  if (name == "restrictive") {
    envelope.budget.max_cost_usd = Decimal::parse("1.00");
    envelope.time.timeout_seconds = 900;
  }
  return envelope;
}

}  // namespace nucleus::policy
