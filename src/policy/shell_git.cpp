// git options that make git run another program: global options before the
// subcommand, and subcommand options such as --upload-pack, rebase --exec
// or grep --open-files-in-pager. git's option parser accepts any
// unambiguous prefix of a long option, so prefixes are rejected too.
#include <algorithm>
#include <iterator>
#include <string>

#include "policy/shell_git.h"

namespace nucleus::policy::shell {
namespace {

constexpr std::string_view kGlobalFlags[] = {
    "-p", "--paginate", "-P", "--no-pager", "--no-replace-objects", "--no-lazy-fetch",
    "--no-optional-locks", "--no-advice", "--bare", "--literal-pathspecs", "--glob-pathspecs",
    "--noglob-pathspecs", "--icase-pathspecs", "--html-path", "--man-path", "--info-path",
    "-v", "--version", "-h", "--help",
};

// Global options that take a value, as "--name=value" or as the next word.
constexpr std::string_view kGlobalValueOptions[] = {
    "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--attr-source", "--list-cmds",
};

// Subcommands whose options can run a program or whose URLs can name the
// ext:: transport; an argument that might expand to an option is rejected.
constexpr std::string_view kRiskySubcommands[] = {
    "clone", "fetch", "pull", "push", "ls-remote", "archive", "rebase", "difftool", "grep",
    "config", "send-email", "submodule", "bisect", "init", "remote", "fetch-pack", "send-pack",
};

// Subcommands that exist to run other programs.
constexpr std::string_view kCommandRunners[] = {"filter-branch", "shell", "instaweb"};

// Long options that run a program for every subcommand that has them.
constexpr std::string_view kProgramOptions[] = {"upload-pack", "receive-pack", "exec"};

struct SubcommandOption {
  std::string_view subcommand;
  std::string_view long_name;  // rejected, with its prefixes
  char short_name;             // rejected anywhere in a cluster, or 0
};
constexpr SubcommandOption kSubcommandOptions[] = {
    {"clone", "template", 'u'},     {"init", "template", 0},
    {"fetch", {}, 'u'},             {"pull", {}, 'u'},
    {"ls-remote", {}, 'u'},         {"archive", {}, 'u'},
    {"rebase", {}, 'x'},            {"difftool", "extcmd", 'x'},
    {"grep", "open-files-in-pager", 'O'},
    {"send-email", "sendmail-cmd", 0}, {"send-email", "to-cmd", 0},
    {"send-email", "cc-cmd", 0},    {"send-email", "header-cmd", 0},
    {"send-email", "smtp-server", 0}, {"daemon", "access-hook", 0},
};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view text) {
  return std::find(std::begin(list), std::end(list), text) != std::end(list);
}

// True when "--<written>" could be git's abbreviation of "--<full>".
bool abbreviates(std::string_view written, std::string_view full) {
  return !written.empty() && full.starts_with(written);
}

Failure runs_program(std::string_view subcommand, std::string_view option) {
  return make_error("git " + std::string(subcommand) + " " + std::string(option) +
                    " runs another program, so the policy does not allow it");
}

bool is_ext_url(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return lower.starts_with("ext::") || lower.find("=ext::") != std::string::npos;
}

// clone -c/--config KEY=VALUE sets config for the clone itself.
Failure check_clone_config(std::span<const Word> args, std::size_t index) {
  const std::string& text = args[index].text;
  std::string setting;
  if (text.starts_with("--")) {
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) {
      setting = text.substr(equals + 1);
    } else if (index + 1 < args.size()) {
      setting = args[index + 1].text;
    }
  } else {
    const std::size_t at = text.find('c');
    setting = at + 1 < text.size() ? text.substr(at + 1)
                                   : (index + 1 < args.size() ? args[index + 1].text : "");
  }
  return check_git_setting(setting, "clone --config");
}

Failure check_long_option(std::string_view subcommand, std::span<const Word> args,
                          std::size_t index) {
  const std::string& text = args[index].text;
  const std::string_view name = std::string_view(text).substr(2, text.find('=') - 2);
  for (std::string_view option : kProgramOptions) {
    if (abbreviates(name, option)) return runs_program(subcommand, "--" + std::string(option));
  }
  for (const SubcommandOption& option : kSubcommandOptions) {
    if (option.subcommand == subcommand && abbreviates(name, option.long_name)) {
      return runs_program(subcommand, "--" + std::string(option.long_name));
    }
  }
  if (subcommand == "clone" && abbreviates(name, "config")) return check_clone_config(args, index);
  return std::nullopt;
}

Failure check_short_options(std::string_view subcommand, std::span<const Word> args,
                            std::size_t index) {
  const std::string& text = args[index].text;
  for (const SubcommandOption& option : kSubcommandOptions) {
    if (option.subcommand == subcommand && option.short_name != 0 &&
        text.find(option.short_name, 1) != std::string::npos) {
      return runs_program(subcommand, "-" + std::string(1, option.short_name));
    }
  }
  if (subcommand == "clone" && text.find('c', 1) != std::string::npos) {
    return check_clone_config(args, index);
  }
  return std::nullopt;
}

Failure check_subcommand(std::string_view subcommand, std::span<const Word> args,
                         const Context& context) {
  const std::string quoted_subcommand = quote("git " + std::string(subcommand));
  if (contains(kCommandRunners, subcommand)) {
    return make_error(quoted_subcommand + " runs shell commands, so the policy does not allow it");
  }
  const bool risky = contains(kRiskySubcommands, subcommand);
  if (risky && !context.appended_by.empty()) {
    return make_error(quoted_subcommand + " gets more arguments from " + context.appended_by +
                      ", which could be options that run another program");
  }
  for (std::size_t index = 0; index < args.size(); ++index) {
    const Word& word = args[index];
    const std::string& text = word.text;
    if (word.expands) {
      if (risky && could_be_option(word)) {
        return make_error(quoted_subcommand + " argument " + quote(text) +
                          " contains an expansion that could become an option or URL that runs "
                          "another program: write it out");
      }
      continue;
    }
    if ((subcommand == "submodule" && text == "foreach") || (subcommand == "bisect" && text == "run")) {
      return make_error(quote("git " + std::string(subcommand) + " " + text) +
                        " runs shell commands, so the policy does not allow it");
    }
    if (is_ext_url(text)) {
      return make_error("git URL " + quote(text) +
                        " uses the ext:: transport, which runs a command");
    }
    Failure failure;
    if (text.starts_with("--")) {
      failure = check_long_option(subcommand, args, index);
    } else if (text.size() > 1 && text[0] == '-') {
      failure = check_short_options(subcommand, args, index);
    }
    if (failure) return failure;
  }
  if (subcommand == "config") return check_git_config(args);
  return std::nullopt;
}

// Check one global option at words[index]; returns how many words it used.
Result<std::size_t> check_global_option(std::span<const Word> words, std::size_t index) {
  const std::string& text = words[index].text;
  const std::string name = text.substr(0, text.find('='));
  if (name.starts_with("--config-env")) {
    return make_error("git --config-env sets config from an environment variable, which the "
                      "policy cannot check");
  }
  if (name.starts_with("--exec-path")) {
    return make_error("git --exec-path chooses where git finds the programs it runs");
  }

  if (contains(kGlobalFlags, text)) return std::size_t{1};
  if (contains(kGlobalValueOptions, name) && name != text) return std::size_t{1};
  if (text.starts_with("-c") && text.size() > 2) {
    if (auto failure = check_git_setting(text.substr(2), "-c")) return *failure;
    return std::size_t{1};
  }
  if (text.starts_with("-C") && text.size() > 2) return std::size_t{1};

  const bool takes_next = text == "-c" || text == "-C" || contains(kGlobalValueOptions, text);
  if (!takes_next) {
    return make_error("git option " + quote(text) +
                      " is not known to the policy, so it cannot tell what git runs");
  }
  if (index + 1 >= words.size()) return make_error("git option " + quote(text) + " needs a value");
  const Word& value = words[index + 1];
  if (value.expands) {
    return make_error("git option " + quote(text) + " has a value " + quote(value.text) +
                      " that contains an expansion: the policy cannot check it");
  }
  if (text == "-c") {
    if (auto failure = check_git_setting(value.text, "-c")) return *failure;
  }
  return std::size_t{2};
}

}  // namespace

Failure check_git(std::span<const Word> words, const Context& context) {
  std::size_t index = 1;
  while (index < words.size()) {
    const Word& word = words[index];
    if (word.expands) {
      return make_error("git argument " + quote(word.text) +
                        " before the subcommand contains an expansion: the policy cannot tell "
                        "what git runs");
    }
    if (word.text.size() < 2 || word.text[0] != '-') break;
    auto used = check_global_option(words, index);
    if (!used) return make_error(used.error());
    index += *used;
  }
  if (index >= words.size()) {
    if (!context.appended_by.empty()) {
      return make_error("git gets its subcommand from " + context.appended_by +
                        " at run time, so the policy cannot check it");
    }
    return std::nullopt;
  }
  return check_subcommand(words[index].text, words.subspan(index + 1), context);
}

}  // namespace nucleus::policy::shell
