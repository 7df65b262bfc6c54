#include "policy/shell_variables.h"

#include <algorithm>
#include <iterator>

namespace nucleus::policy::shell {
namespace {

// Variables that name a program to run, a file of code to load or source,
// a search path for either, or a config file that can do the same.
constexpr std::string_view kExactNames[] = {
    // The shell itself: command search, startup files, word splitting,
    // traced and prompt commands. zsh ties the lower-case arrays to PATH,
    // FPATH and MODULE_PATH.
    "PATH", "path", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4",
    "PROMPT_COMMAND", "BASH_LOADABLES_PATH", "ZDOTDIR", "FPATH", "fpath",
    "MODULE_PATH", "module_path", "SHELL",
    // Config files that programs such as git load from the home directory.
    "HOME", "XDG_CONFIG_HOME",
    // The C library's loader and character set conversion modules.
    "GCONV_PATH",
    // git: programs it runs, where it finds its own programs and templates.
    "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_EXEC_PATH", "GIT_PAGER",
    "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS",
    "GIT_PROXY_COMMAND", "GIT_TEMPLATE_DIR", "GIT_ALLOW_PROTOCOL", "GIT_MAN_VIEWER",
    // Other programs run on behalf of a command.
    "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "PAGER", "MANPAGER", "SYSTEMD_PAGER",
    "LESSOPEN", "LESSCLOSE", "EDITOR", "VISUAL", "BROWSER", "TERMINAL",
    // Interpreters' module paths and start-up options.
    "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONINSPECT",
    "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB", "RUBYOPT", "RUBYLIB", "NODE_OPTIONS",
    "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
    "LUA_INIT", "LUA_PATH", "LUA_CPATH", "TCLLIBPATH", "R_PROFILE_USER",
};

// Families matched by prefix: every loader variable, git's config
// environment (GIT_CONFIG, GIT_CONFIG_GLOBAL, GIT_CONFIG_KEY_0, ...), and
// the BASH_FUNC_name%% variables from which bash imports shell functions.
constexpr std::string_view kPrefixes[] = {"LD_", "DYLD_", "GIT_CONFIG", "BASH_FUNC_"};

}  // namespace

bool is_dangerous_variable(std::string_view name) {
  if (std::find(std::begin(kExactNames), std::end(kExactNames), name) != std::end(kExactNames)) {
    return true;
  }
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [name](std::string_view prefix) { return name.starts_with(prefix); });
}

std::string dangerous_variable_error(std::string_view name, std::string_view construct) {
  std::string message = "setting ";
  message += name;
  message += " (";
  message += construct;
  message += ") is not allowed: it can change which program runs or what code it loads";
  return message;
}

bool is_variable_name(std::string_view text) {
  if (text.empty()) return false;
  const auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  if (!is_start(text.front())) return false;
  return std::all_of(text.begin() + 1, text.end(),
                     [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); });
}

}  // namespace nucleus::policy::shell
