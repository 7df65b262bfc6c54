// The git configuration keys a command line may set, through "git -c",
// "git clone --config" or "git config". Many keys name a program for git
// to run (core.sshCommand, core.pager, credential.helper, alias.x=!cmd,
// filter.*.clean ...), and new git versions add more, so only a list of
// known-harmless keys is accepted.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "policy/shell_git.h"

namespace nucleus::policy::shell {
namespace {

// Compared after lower-casing the whole key.
constexpr std::string_view kSafeKeys[] = {
    "user.name", "user.email", "core.quotepath", "core.autocrlf", "core.safecrlf", "core.eol",
    "core.filemode", "core.ignorecase", "core.precomposeunicode", "core.abbrev",
    "init.defaultbranch", "safe.directory", "pull.rebase", "pull.ff", "push.default",
    "push.autosetupremote", "merge.ff", "merge.conflictstyle", "fetch.prune", "fetch.prunetags",
    "rebase.autostash", "rebase.autosquash", "diff.renames", "diff.algorithm",
    "status.showuntrackedfiles", "log.decorate", "column.ui", "gc.auto", "protocol.version",
    "commit.gpgsign", "tag.gpgsign", "push.gpgsign",
};
constexpr std::string_view kSafeSections[] = {"color.", "advice."};

// Keys that sign with gpg when true: only false is accepted.
constexpr std::string_view kSigningKeys[] = {"commit.gpgsign", "tag.gpgsign", "push.gpgsign"};

// Last key components and sections that name a program, for a clearer
// message than "not on the list".
constexpr std::string_view kProgramVariables[] = {
    "sshcommand", "pager", "editor", "fsmonitor", "hookspath", "gitproxy", "askpass", "helper",
    "external", "program", "textconv", "command", "cmd", "driver", "clean", "smudge", "process",
    "uploadpack", "receivepack", "packobjectshook", "proxycommand", "browser",
};
constexpr std::string_view kProgramSections[] = {"alias", "filter", "pager"};

// "git config" options that take no argument and do not choose between
// reading and writing.
constexpr std::string_view kConfigFlags[] = {
    "--global", "--system", "--local", "--worktree", "--bool", "--int", "--bool-or-int",
    "--path", "--expiry-date", "--null", "-z", "--name-only", "--show-origin", "--show-scope",
    "--includes", "--no-includes", "--fixed-value", "--all",
};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view text) {
  return std::find(std::begin(list), std::end(list), text) != std::end(list);
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_false(std::string_view value) {
  const std::string lower = ascii_lower(value);
  return lower == "false" || lower == "no" || lower == "off" || lower == "0";
}

bool names_program(std::string_view lower_key) {
  const std::string_view section = lower_key.substr(0, lower_key.find('.'));
  const std::string_view variable = lower_key.substr(lower_key.rfind('.') + 1);
  return contains(kProgramSections, section) || contains(kProgramVariables, variable);
}

std::string setting_name(std::string_view source, std::string_view key) {
  return "git " + std::string(source) + " " + std::string(key);
}

}  // namespace

Failure check_git_setting(std::string_view setting, std::string_view source) {
  const std::size_t equals = setting.find('=');
  const std::string_view key = setting.substr(0, equals);
  const std::string_view value =
      equals == std::string_view::npos ? std::string_view("true") : setting.substr(equals + 1);
  if (key.empty()) return make_error(setting_name(source, quote(setting)) + " has no key");
  const std::string lower = ascii_lower(key);
  const bool safe = contains(kSafeKeys, lower) ||
                    std::any_of(std::begin(kSafeSections), std::end(kSafeSections),
                                [&](std::string_view section) { return lower.starts_with(section); });
  if (safe) {
    if (contains(kSigningKeys, lower) && !is_false(value)) {
      return make_error(setting_name(source, key) + "=" + std::string(value) +
                        " runs gpg to sign; only false is allowed");
    }
    return std::nullopt;
  }
  if (names_program(lower)) {
    return make_error(setting_name(source, key) +
                      " runs another program, so the policy does not allow it");
  }
  return make_error(setting_name(source, key) +
                    " is not allowed: only keys such as user.name, user.email, color.*, "
                    "advice.* and core.autocrlf may be set");
}

namespace {

Error rejected_config_action(std::string_view action) {
  return make_error("git config " + std::string(action) +
                    " is not allowed: it can set any key, including ones that run programs");
}

// The operands of a "git config" command line and what its options say
// about reading or writing.
struct ConfigCall {
  std::vector<std::string> operands;
  bool reads = false;
  bool writes = false;
};

// Sort one option word into `call`; returns how many words it used.
Result<std::size_t> take_config_option(const std::string& text, ConfigCall& call) {
  const std::string name = text.substr(0, text.find('='));
  if (name == "--edit" || name == "-e" || name == "--rename-section") {
    return rejected_config_action(name);
  }
  if (name == "--add" || name == "--replace-all") {
    call.writes = true;
  } else if (name.starts_with("--get") || name == "--list" || name == "-l" ||
             name.starts_with("--unset") || name == "--remove-section") {
    call.reads = true;
  } else if (name == "--file" || name == "-f" || name == "--blob" || name == "--type" ||
             name == "--default" || name == "--comment" || name == "--value") {
    return std::size_t{text.find('=') == std::string::npos ? 2u : 1u};
  } else if (!contains(kConfigFlags, name)) {
    return make_error("git config option " + quote(text) +
                      " is not known to the policy, so it cannot tell which key is set");
  }
  return std::size_t{1};
}

Result<ConfigCall> parse_config_call(std::span<const Word> args) {
  ConfigCall call;
  for (std::size_t index = 0; index < args.size();) {
    const Word& word = args[index];
    const std::string& text = word.text;
    if (word.expands) {
      return make_error("git config argument " + quote(text) +
                        " contains an expansion: the policy cannot tell which key it sets");
    }
    if (text == "--") {
      for (++index; index < args.size(); ++index) call.operands.push_back(args[index].text);
      break;
    }
    if (text.size() < 2 || text[0] != '-') {
      call.operands.push_back(text);
      ++index;
      continue;
    }
    auto used = take_config_option(text, call);
    if (!used) return make_error(used.error());
    index += *used;
  }
  return call;
}

}  // namespace

Failure check_git_config(std::span<const Word> args) {
  auto call = parse_config_call(args);
  if (!call) return make_error(call.error());
  const std::vector<std::string>& operands = call->operands;
  if (operands.empty()) return std::nullopt;

  const std::string& first = operands.front();
  if (first == "edit" || first == "rename-section") return rejected_config_action(first);
  if (first == "get" || first == "list" || first == "unset" || first == "remove-section") {
    return std::nullopt;
  }

  // "git config set KEY VALUE", or the older "git config KEY VALUE".
  const bool subcommand_set = first == "set";
  const std::size_t key = subcommand_set ? 1 : 0;
  const bool writes = subcommand_set || call->writes || (!call->reads && operands.size() >= 2);
  if (!writes || key >= operands.size()) return std::nullopt;
  const std::string value = key + 1 < operands.size() ? operands[key + 1] : "";
  return check_git_setting(operands[key] + "=" + value, "config");
}

}  // namespace nucleus::policy::shell
