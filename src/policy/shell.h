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

// Parse `line` and unwrap programs that run other programs, so that the
// inner program is checked too. These are unwrapped:
//   - env (assignments and options), nice, timeout, nohup, stdbuf, exec,
//     command, builtin, time, "!", busybox APPLET, zsh's noglob, nocorrect
//     and "-", and fish's and, or, not, begin and end;
//   - xargs, which runs echo when it names no command;
//   - find -exec, -execdir, -ok and -okdir;
//   - sh, bash, dash, zsh, ksh, ash and mksh -c STRING, fish -c and -C
//     STRING, and trap actions, all parsed recursively.
// Each wrapper stays in the list too, before what it runs, and invocations
// keep the order in which they are written. A shell given a script file or
// no arguments is only that shell invocation. Redirections include those
// inside -c strings.
//
// Fails, with a reason naming the construct, on:
//   - sudo, sudoedit, doas, su, pkexec, run0, runuser, setpriv, sg, newgrp
//     and ksu (privilege changes), and eval, source and ".";
//   - a program word that is empty, contains '$', glob characters or
//     braces, starts with '=' (zsh expands "=name" to a path), or is a shell
//     keyword, also after time or "!" ("time coproc cmd");
//   - env -S, unknown options of the wrappers above, and any other option
//     after which the inner program cannot be determined;
//   - setting a variable that chooses what runs (PATH, LD_*, BASH_ENV, ENV,
//     IFS, SHELLOPTS, GIT_SSH, GIT_SSH_COMMAND, GIT_EXEC_PATH, GIT_PAGER,
//     GIT_EDITOR, GIT_EXTERNAL_DIFF, GIT_ASKPASS, GIT_CONFIG*, PAGER, EDITOR,
//     VISUAL, PYTHONPATH, NODE_OPTIONS, PERL5OPT and the others listed in
//     shell_variables.cpp), as NAME=value, through env, or with export,
//     declare, read, printf -v and the other builtins that set variables by
//     name; and names with array subscripts, which bash evaluates as
//     arithmetic that can run commands;
//   - git options that run another program: -c core.sshCommand=...,
//     core.pager, core.editor, core.fsmonitor, core.hooksPath,
//     credential.helper, alias.*=!... and any other -c key outside a safe
//     list (clone --config and "git config" writes use the same list);
//     --upload-pack, --receive-pack, --exec, -u for clone, fetch, pull,
//     ls-remote and archive, --config-env, --exec-path, ext:: URLs,
//     rebase -x, difftool -x, grep -O, submodule foreach, bisect run and
//     filter-branch, including git's abbreviations of those long options;
//   - builtins that run code without naming a program: alias definitions,
//     hash -p, enable -f, let, fc, jobs -x, bind -x, compgen and complete
//     -C/-F, mapfile -C, set -k, autoload, and zsh's emulate -c, sched and
//     zpty;
//   - words whose text is only known at run time (an expansion, or what
//     xargs and find -exec substitute) wherever they could decide what
//     runs: before a wrapper's inner program, as a -c string, anywhere in
//     find's arguments, before git's subcommand, as an argument of git
//     subcommands with program-running options, and as a redirection
//     target;
//   - a wrapper, find or shell that would take its command from arguments
//     that xargs or "find -exec ... {} +" append at run time;
//   - redirections to bash's /dev/tcp and /dev/udp network paths;
//   - nesting deeper than 8 wrappers and shells.
// NOTE: other programs that run commands (python -c, perl -e, awk, make,
// watch, setsid, flock, parallel, ssh, tar --to-command, ...) are listed as
// themselves only, like a shell running a script file, so rules should
// allow them only deliberately. Config files that name programs
// (.gitconfig, .git/config, shell rc files) are file contents that the path
// rules guard.
Result<CommandAnalysis> analyze_command(std::string_view line);

}  // namespace nucleus::policy
