// analyze_command(): every program a command line would run, found by
// parsing it and seeing through the programs that run other programs.
#include <algorithm>
#include <iterator>

#include "policy/shell.h"
#include "policy/shell_analyzer.h"
#include "policy/shell_parse.h"
#include "policy/shell_variables.h"

namespace nucleus::policy {
namespace shell {
namespace {

// Programs that run their argument as another user or with other
// privileges.
constexpr std::string_view kPrivilegeChangers[] = {
    "sudo", "sudoedit", "doas", "su", "pkexec", "run0", "runuser", "setpriv", "sg", "newgrp", "ksu",
};

// Builtins that run a string or a file as shell code.
constexpr std::string_view kCodeRunners[] = {"eval", "source", "."};

constexpr std::string_view kPosixShells[] = {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"};

// Wrappers whose inner program is checked the same way: options, then the
// command. Their option tables are in shell_wrappers.cpp.
constexpr std::string_view kSimpleWrappers[] = {
    "nohup", "stdbuf", "exec", "command", "builtin", "time", "noglob", "nocorrect", "-", "!",
};

// fish keywords that run the command after them.
constexpr std::string_view kFishPrefixes[] = {"and", "or", "not", "begin", "end"};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string program_error(std::string_view text, std::string_view problem) {
  return "program name " + quote(text) + " " + std::string(problem) +
         ": the policy cannot see which program it runs";
}

// bash, ksh and zsh open a network connection for these file names
// instead of a file.
bool names_network_socket(std::string_view target) {
  std::string path;
  for (std::size_t at = 0; at < target.size(); ++at) {
    if (target[at] == '/' && !path.empty() && path.back() == '/') continue;
    if (target.substr(at).starts_with("./") && !path.empty() && path.back() == '/') {
      ++at;
      continue;
    }
    path += target[at];
  }
  return path.starts_with("/dev/tcp/") || path.starts_with("/dev/udp/");
}

Failure check_redirection(const ParsedRedirection& parsed) {
  if (parsed.redirection.kind == Redirection::Kind::duplicate) return std::nullopt;
  const Word& target = parsed.target;
  if (target.text.empty()) {
    return make_error("redirection " + quote(parsed.op) + " has an empty file name");
  }
  if (target.expands) {
    return make_error("redirection target " + quote(target.text) +
                      " contains an expansion: the policy cannot tell which file it opens");
  }
  if (target.text.front() == '!') {
    return make_error("redirection target " + quote(target.text) +
                      " starts with \"!\": zsh reads \">!file\" as a write to file");
  }
  if (names_network_socket(target.text)) {
    return make_error("redirection target " + quote(target.text) +
                      " opens a network connection in bash, which the policy does not allow");
  }
  if (target.tilde) {
    return make_error("redirection target " + quote(target.text) +
                      " starts with \"~\": write the full path so the policy can check it");
  }
  return std::nullopt;
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

Result<std::string> program_name(const Word& word) {
  const std::string& text = word.text;
  if (text.empty()) return make_error("empty program name \"\" is not allowed");
  if (text.find('$') != std::string::npos) return make_error(program_error(text, "contains \"$\""));
  const std::size_t glob = text == "[" ? std::string::npos : text.find_first_of("*?[]");
  if (glob != std::string::npos) {
    return make_error(program_error(text, "contains the glob character " +
                                              quote(std::string(1, text[glob]))));
  }
  if (text.find_first_of("{}") != std::string::npos) {
    return make_error(program_error(text, "contains a brace"));
  }
  if (text.front() == '=') {
    return make_error(program_error(text, "is expanded by zsh to a program path"));
  }
  if (word.expands) return make_error(program_error(text, "is only known at run time"));
  const std::size_t slash = text.rfind('/');
  std::string base = slash == std::string::npos ? text : text.substr(slash + 1);
  if (base.empty()) return make_error(program_error(text, "has no file name after the last \"/\""));
  return base;
}

Failure require_literal(std::string_view program, const Word& word) {
  if (!word.expands) return std::nullopt;
  return make_error(std::string(program) + " argument " + quote(word.text) +
                    " contains an expansion: the policy cannot tell which program " +
                    std::string(program) + " runs");
}

Failure Analyzer::analyze_line(std::string_view line, const Context& context) {
  auto commands = parse_command_line(line, context.dialect);
  if (!commands) return make_error(commands.error());
  for (const ParsedCommand& command : *commands) {
    for (const auto& [name, value] : command.assignments) {
      if (is_dangerous_variable(name)) return make_error(dangerous_variable_error(name, "assignment"));
    }
    for (const ParsedRedirection& redirection : command.redirections) {
      if (auto failure = check_redirection(redirection)) return failure;
      result_.redirections.push_back(redirection.redirection);
    }
    if (command.words.empty()) continue;
    if (auto failure = analyze_words(command.words, context)) return failure;
  }
  return std::nullopt;
}

Failure Analyzer::analyze_words(std::span<const Word> words, const Context& context) {
  if (context.depth > kMaxNesting) {
    return make_error("commands are nested more than " + std::to_string(kMaxNesting) +
                      " wrappers or shells deep: the policy does not look further");
  }
  // Keywords can follow "time" or "!" in command position ("time coproc
  // cmd"), so every program word is checked, not only the first.
  if (auto keyword = check_command_word(words.front().text)) return keyword;
  auto program = program_name(words.front());
  if (!program) return make_error(program.error());
  Invocation invocation;
  invocation.program = *program;
  for (const Word& word : words) invocation.argv.push_back(word.text);
  result_.invocations.push_back(std::move(invocation));
  return dispatch(*program, words, context);
}

Failure Analyzer::dispatch(std::string_view program, std::span<const Word> words,
                           const Context& context) {
  if (contains(kPrivilegeChangers, program)) {
    return make_error(std::string(program) + " changes privileges and is not allowed");
  }
  if (contains(kCodeRunners, program)) {
    return make_error(quote(program) +
                      " runs a string or file as shell code, which the policy cannot check");
  }
  if (contains(kPosixShells, program)) return unwrap_posix_shell(words, context);
  if (program == "fish") return unwrap_fish(words, context);
  if (program == "find") return unwrap_find(words, context);
  if (program == "git") return check_git(words, context);
  if (program == "env") return unwrap_env(words, context);
  if (program == "nice") return unwrap_nice(words, context);
  if (program == "timeout") return unwrap_timeout(words, context);
  if (program == "xargs") return unwrap_xargs(words, context);
  if (program == "busybox") return unwrap_busybox(words, context);
  if (contains(kSimpleWrappers, program) ||
      (context.dialect == Dialect::fish && contains(kFishPrefixes, program))) {
    return unwrap_simple_options(program, words, context);
  }
  return check_builtin(program, words, context);
}

Failure Analyzer::run_inner(std::string_view wrapper, std::span<const Word> words,
                            std::size_t inner, const Context& context) {
  if (inner < words.size()) return analyze_words(words.subspan(inner), context.nested());
  if (!context.appended_by.empty()) {
    return make_error(std::string(wrapper) + " gets more arguments from " +
                      std::string(context.appended_by) +
                      " at run time, so the policy cannot tell which program it runs");
  }
  return std::nullopt;
}

}  // namespace shell

Result<CommandAnalysis> analyze_command(std::string_view line) {
  shell::Analyzer analyzer;
  if (auto failure = analyzer.analyze_line(line, shell::Context{})) return *failure;
  return std::move(analyzer).take();
}

}  // namespace nucleus::policy
