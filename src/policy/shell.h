// Splitting a shell command line into simple commands the way POSIX sh
// would, and seeing through wrapper programs to the programs that actually
// run. Pure functions: nothing is executed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nucleus::policy {

// A redirection such as "> out.txt", "2>>log", "< in" or "2>&1".
struct Redirection {
  enum class Kind { input, output, duplicate };
  Kind kind = Kind::output;
  // The file operand after quote removal; empty for fd duplication (2>&1).
  std::string target;
};

// One simple command: leading NAME=value assignments, the words after quote
// removal, and its redirections.
struct SimpleCommand {
  std::vector<std::pair<std::string, std::string>> assignments;
  std::vector<std::string> argv;
  std::vector<Redirection> redirections;
};

// Split `line` at the separators ; && || | |& & and newline, then split each
// part into words with POSIX quoting (single quotes, double quotes,
// backslash escapes, backslash-newline continuation) and '#' comments that
// start a word. $NAME, ${NAME} and globs stay literally in the words, and
// leading NAME=value (or NAME+=value) words become `assignments`. A
// leading "!" is dropped. Redirections (< > >> >| <> &> &>> with an
// optional descriptor number, and n>&m, <&m, >&-) leave their target out
// of argv; bash's ">&file" counts as output to that file.
// Fails, with a reason naming the construct, on anything the policy cannot
// see through: command substitution $(...) and backticks (anywhere, even in
// double quotes), process substitution <(...) >(...), here-documents and
// here-strings (<< <<<), subshells and groups ( ) { }, shell keywords in
// command position (if, for, while, until, case, function, select, [[ ...),
// function definitions, arithmetic $((...)) and $[...], ANSI-C $'...' and
// locale $"..." quoting (bash and dash read them differently), "${...}"
// forms that bash evaluates as arithmetic or indirection, "&>" followed by
// more words (dash reads "a &>f b" as "a &" then ">f b"), unterminated
// quotes, NUL bytes, and lines over 64 KiB. An empty part ("a ;; b", "a |")
// is an error; an empty line parses to no commands. A part may consist of
// assignments or redirections only ("X=1", "> file"), so argv can be empty.
Result<std::vector<SimpleCommand>> split_command_line(std::string_view line);

// One program that would run, with its arguments. `program` is the base
// name of argv[0] ("/usr/bin/sudo" and "./sudo" both give "sudo").
struct Invocation {
  std::string program;
  std::vector<std::string> argv;
};

// Everything a command line would run, wrappers and the programs they wrap
// alike, plus every redirection, so that each can be checked on its own.
struct CommandAnalysis {
  std::vector<Invocation> invocations;
  std::vector<Redirection> redirections;
};

// Parse `line` and unwrap programs that run other programs, so the inner
// program is checked too: env (assignments and options), nice, timeout,
// nohup, stdbuf, xargs (echo when it names no command), exec, command,
// builtin, time, busybox APPLET, zsh's noglob, nocorrect and "-", find
// -exec/-execdir/-ok/-okdir, sh/bash/dash/zsh/ksh/ash/mksh -c STRING and
// fish -c/-C STRING (parsed recursively), and trap actions. The wrapper
// itself stays in the list as well, and invocations appear in the order
// they are written, each wrapper before what it runs. A shell given a
// script file or no arguments is only that shell invocation. Redirections
// include those inside -c strings.
// Fails, with a reason, on: sudo, sudoedit, doas, su, pkexec, run0,
// runuser, setpriv, sg, newgrp and ksu (privilege changes); eval, source
// and "."; a program word containing '$', glob characters or braces, or
// starting with '=' (zsh expands "=name" to a path), or empty; env -S and
// other wrapper options whose inner program cannot be determined, and
// unknown options of the wrappers above; assignments to variables that
// choose what runs (PATH, LD_*, BASH_ENV, ENV, IFS, SHELLOPTS, GIT_SSH,
// GIT_SSH_COMMAND, GIT_EXEC_PATH, GIT_PAGER, GIT_EDITOR, GIT_EXTERNAL_DIFF,
// GIT_ASKPASS, GIT_CONFIG*, PAGER, EDITOR, VISUAL, PYTHONPATH, NODE_OPTIONS,
// PERL5OPT and the like; see shell_variables.cpp), whether written as
// NAME=value, through env, or with export, declare, read, printf -v and
// the other builtins that set variables by name; git options that run
// another program (-c core.sshCommand=..., core.pager, core.editor,
// core.fsmonitor, core.hooksPath, credential.helper, alias.*=!..., and any
// other -c key outside a safe list; clone --config and "git config" writes
// use the same list; --upload-pack, --receive-pack, --exec, -u for clone,
// fetch, pull, ls-remote and archive, --config-env, --exec-path, ext::
// URLs, rebase -x, difftool -x, grep -O, submodule foreach, bisect run,
// filter-branch) including git's abbreviations of those long options;
// builtins that run code without naming a program (trap with an action is
// analyzed instead, alias definitions, hash -p, enable -f, let, mapfile -C,
// set -k); nesting deeper than 8 wrappers and shells.
// Words whose text is only known at run time (an expansion, or what xargs
// and find -exec substitute) are rejected wherever they could decide which
// program runs: before a wrapper's inner program, as a -c string, anywhere
// in find's arguments, before git's subcommand, as a redirection target,
// and as an argument of git subcommands with program-running options. A
// wrapper, find or shell that would take its command from arguments xargs
// or "find -exec ... {} +" append at run time is rejected too.
Result<CommandAnalysis> analyze_command(std::string_view line);

}  // namespace nucleus::policy
