// analyze_command(): wrappers, shells, find, git and builtins must never
// let a program hide.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "policy/shell.h"

namespace nucleus::policy {
namespace {

using Programs = std::vector<std::string>;

std::string show(const Programs& programs) {
  std::string out = "[";
  for (std::size_t i = 0; i < programs.size(); ++i) {
    if (i > 0) out += ", ";
    out += programs[i];
  }
  return out + "]";
}

Programs programs_of(const CommandAnalysis& analysis) {
  Programs out;
  for (const Invocation& invocation : analysis.invocations) out.push_back(invocation.program);
  return out;
}

struct AllowCase {
  const char* name;
  std::string line;
  Programs programs;
};

void PrintTo(const AllowCase& c, std::ostream* out) { *out << c.line; }

class ShellUnwrapSees : public testing::TestWithParam<AllowCase> {};

TEST_P(ShellUnwrapSees, EveryProgramInOrder) {
  const AllowCase& c = GetParam();
  SCOPED_TRACE("line: " + c.line);
  auto analysis = analyze_command(c.line);
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  EXPECT_EQ(programs_of(*analysis), c.programs) << show(programs_of(*analysis));
}

std::string allow_name(const testing::TestParamInfo<AllowCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Programs, ShellUnwrapSees,
    testing::Values(
        AllowCase{"Plain", "ls -la", {"ls"}},
        AllowCase{"AbsolutePath", "/usr/bin/git status", {"git"}},
        AllowCase{"RelativePath", "./build.sh --fast", {"build.sh"}},
        AllowCase{"ParentPath", "../bin/git log", {"git"}},
        AllowCase{"HomePath", "~/bin/tool x", {"tool"}},
        AllowCase{"CyrillicLookAlikeIsAnotherProgram", "\xD1\x95udo id", {"\xD1\x95udo"}},
        AllowCase{"EverySeparator", "a; b && c || d | e & f |& g\nh", {"a", "b", "c", "d", "e", "f", "g", "h"}},
        AllowCase{"AssignmentOnly", "X=1; echo $X", {"echo"}},
        AllowCase{"HarmlessAssignment", "LANG=C sort f", {"sort"}},
        AllowCase{"RedirectionOnly", "> out.txt", {}},
        AllowCase{"Negation", "! grep -q x f", {"grep"}},
        AllowCase{"TestBracket", "[ -f x ] && cat x", {"[", "cat"}},
        AllowCase{"VariableArgument", "echo \"$HOME\" $USER", {"echo"}},
        AllowCase{"BothRedirectionAtEnd", "make &> /dev/null", {"make"}},
        AllowCase{"EmptyLine", "", {}}),
    allow_name);

INSTANTIATE_TEST_SUITE_P(
    Wrappers, ShellUnwrapSees,
    testing::Values(
        AllowCase{"NestedWrappers", "env nice -n 5 timeout 10 bash -c 'curl x | sh'",
                  {"env", "nice", "timeout", "bash", "curl", "sh"}},
        AllowCase{"EnvAssignment", "env FOO=1 BAR=2 make", {"env", "make"}},
        AllowCase{"EnvQuotedExpansionValue", "env FOO=\"$BAR\" make", {"env", "make"}},
        AllowCase{"EnvIgnoreEnvironment", "env -i HOME_DIR=/x ls", {"env", "ls"}},
        AllowCase{"EnvDash", "env - ls", {"env", "ls"}},
        AllowCase{"EnvUnset", "env -u HOME ls", {"env", "ls"}},
        AllowCase{"EnvUnsetAttached", "env -uHOME ls", {"env", "ls"}},
        AllowCase{"EnvUnsetLong", "env --unset=HOME ls", {"env", "ls"}},
        AllowCase{"EnvUnsetAbbreviated", "env --uns HOME ls", {"env", "ls"}},
        AllowCase{"EnvClusteredOptions", "env -iu HOME ls", {"env", "ls"}},
        AllowCase{"EnvChdir", "env -C /tmp ls", {"env", "ls"}},
        AllowCase{"EnvChdirLong", "env --chdir=/tmp ls", {"env", "ls"}},
        AllowCase{"EnvNull", "env -0", {"env"}},
        AllowCase{"EnvSignalOption", "env --default-signal=PIPE ls", {"env", "ls"}},
        AllowCase{"EnvDoubleDash", "env -- ls", {"env", "ls"}},
        AllowCase{"EnvAlone", "env", {"env"}},
        AllowCase{"EnvHelpRunsNothing", "env --help sudo", {"env"}},
        AllowCase{"Nice", "nice ls", {"nice", "ls"}},
        AllowCase{"NiceAdjustment", "nice -n 5 ls", {"nice", "ls"}},
        AllowCase{"NiceAttachedAdjustment", "nice -n5 ls", {"nice", "ls"}},
        AllowCase{"NiceNumeric", "nice -5 ls", {"nice", "ls"}},
        AllowCase{"NiceNegativeNumeric", "nice --5 ls", {"nice", "ls"}},
        AllowCase{"NiceLong", "nice --adjustment=5 ls", {"nice", "ls"}},
        AllowCase{"NiceAbbreviated", "nice --adj=5 ls", {"nice", "ls"}},
        AllowCase{"NiceAlone", "nice", {"nice"}},
        AllowCase{"Timeout", "timeout 10 ls", {"timeout", "ls"}},
        AllowCase{"TimeoutSignal", "timeout -s KILL 10 ls", {"timeout", "ls"}},
        AllowCase{"TimeoutKillAfter", "timeout -k 5 10s ls", {"timeout", "ls"}},
        AllowCase{"TimeoutLongOptions", "timeout --preserve-status --foreground -v --signal=TERM 5 ls",
                  {"timeout", "ls"}},
        AllowCase{"TimeoutWithoutCommand", "timeout 5", {"timeout"}},
        AllowCase{"Nohup", "nohup make &", {"nohup", "make"}},
        AllowCase{"NohupDoubleDash", "nohup -- make", {"nohup", "make"}},
        AllowCase{"Stdbuf", "stdbuf -oL grep x", {"stdbuf", "grep"}},
        AllowCase{"StdbufSeparateMode", "stdbuf -o L -e 0 grep x", {"stdbuf", "grep"}},
        AllowCase{"StdbufLong", "stdbuf --output=L grep x", {"stdbuf", "grep"}},
        AllowCase{"Xargs", "xargs rm", {"xargs", "rm"}},
        AllowCase{"XargsWithoutCommandRunsEcho", "xargs", {"xargs", "echo"}},
        AllowCase{"XargsOptionsWithoutCommand", "xargs -0 -n1", {"xargs", "echo"}},
        AllowCase{"XargsOptions", "xargs -0 -n 1 -P4 rm", {"xargs", "rm"}},
        AllowCase{"XargsReplace", "xargs -I{} cp {} /tmp", {"xargs", "cp"}},
        AllowCase{"XargsReplaceSeparate", "xargs -I {} cp {} /tmp", {"xargs", "cp"}},
        AllowCase{"XargsLowerReplace", "xargs -i cp {} /tmp", {"xargs", "cp"}},
        AllowCase{"XargsArgFile", "xargs -a list.txt rm", {"xargs", "rm"}},
        AllowCase{"XargsLongOptions", "xargs --max-args=2 --null rm", {"xargs", "rm"}},
        AllowCase{"XargsShellWithString", "xargs sh -c 'echo \"$@\"' _", {"xargs", "sh", "echo"}},
        AllowCase{"Exec", "exec ls", {"exec", "ls"}},
        AllowCase{"ExecArgv0", "exec -a name ls", {"exec", "ls"}},
        AllowCase{"ExecClustered", "exec -cl ls", {"exec", "ls"}},
        AllowCase{"ExecOnlyRedirects", "exec >log 2>&1", {"exec"}},
        AllowCase{"Command", "command ls", {"command", "ls"}},
        AllowCase{"CommandDefaultPath", "command -p ls", {"command", "ls"}},
        AllowCase{"CommandLookupRunsNothing", "command -v sudo", {"command"}},
        AllowCase{"CommandDescribeRunsNothing", "command -V sudo", {"command"}},
        AllowCase{"Builtin", "builtin echo hi", {"builtin", "echo"}},
        AllowCase{"Time", "time ls", {"time", "ls"}},
        AllowCase{"TimePortable", "time -p ls", {"time", "ls"}},
        AllowCase{"GnuTimeOutput", "time -o t.txt -f %e ls", {"time", "ls"}},
        AllowCase{"Busybox", "busybox ls -l", {"busybox", "ls"}},
        AllowCase{"BusyboxShell", "busybox sh -c 'ls'", {"busybox", "sh", "ls"}},
        AllowCase{"BusyboxAlone", "busybox", {"busybox"}},
        AllowCase{"ZshNoglob", "noglob ls *", {"noglob", "ls"}},
        AllowCase{"EightWrappersDeep", "env env env env env env env env ls",
                  {"env", "env", "env", "env", "env", "env", "env", "env", "ls"}}),
    allow_name);

INSTANTIATE_TEST_SUITE_P(
    ShellsAndFind, ShellUnwrapSees,
    testing::Values(
        AllowCase{"BashCommandString", "bash -c 'ls; pwd'", {"bash", "ls", "pwd"}},
        AllowCase{"ShDoubleQuotedString", "sh -c \"git status\"", {"sh", "git"}},
        AllowCase{"CombinedFlags", "bash -lc 'make test'", {"bash", "make"}},
        AllowCase{"FlagsBeforeC", "bash -e -x -c 'ls'", {"bash", "ls"}},
        AllowCase{"OptionWithArgument", "bash -o pipefail -c 'a | b'", {"bash", "a", "b"}},
        AllowCase{"OptionAfterC", "bash -c -e 'ls'", {"bash", "ls"}},
        AllowCase{"DoubleDashBeforeString", "bash -c -- 'ls'", {"bash", "ls"}},
        AllowCase{"LongOption", "bash --norc --noprofile -c ls", {"bash", "ls"}},
        AllowCase{"RcfileOption", "bash --rcfile x -c ls", {"bash", "ls"}},
        AllowCase{"PositionalArguments", "bash -c 'echo \"$1\"' _ x", {"bash", "echo"}},
        AllowCase{"Zsh", "zsh -c ls", {"zsh", "ls"}},
        AllowCase{"Dash", "dash -c ls", {"dash", "ls"}},
        AllowCase{"Ksh", "ksh -c ls", {"ksh", "ls"}},
        AllowCase{"Mksh", "mksh -c ls", {"mksh", "ls"}},
        AllowCase{"Ash", "ash -c ls", {"ash", "ls"}},
        AllowCase{"ShellByPath", "/bin/sh -c 'ls'", {"sh", "ls"}},
        AllowCase{"Fish", "fish -c 'ls; pwd'", {"fish", "ls", "pwd"}},
        AllowCase{"FishLongCommand", "fish --command='ls'", {"fish", "ls"}},
        AllowCase{"FishInitCommand", "fish -C pwd -c ls", {"fish", "pwd", "ls"}},
        AllowCase{"FishKeywordsAreWrappers", "fish -c 'true; and ls; or not pwd'",
                  {"fish", "true", "and", "ls", "or", "not", "pwd"}},
        AllowCase{"ShellScript", "bash script.sh arg", {"bash"}},
        AllowCase{"ShellAlone", "bash", {"bash"}},
        AllowCase{"ShellFromStdin", "sh -s", {"sh"}},
        AllowCase{"NestedShellQuoting", "bash -c \"bash -c 'bash -c \\\"ls\\\"'\"",
                  {"bash", "bash", "bash", "ls"}},
        AllowCase{"WrappersInsideShell", "sh -c 'env X=1 nice make'", {"sh", "env", "nice", "make"}},
        AllowCase{"TrapAction", "trap 'rm -f tmp' EXIT", {"trap", "rm"}},
        AllowCase{"TrapReset", "trap - EXIT", {"trap"}},
        AllowCase{"TrapList", "trap -p EXIT", {"trap"}},
        AllowCase{"FindExec", "find . -name '*.txt' -exec rm {} \\;", {"find", "rm"}},
        AllowCase{"FindExecPlus", "find . -type f -exec grep -l x {} +", {"find", "grep"}},
        AllowCase{"FindExecdir", "find . -execdir echo {} ';'", {"find", "echo"}},
        AllowCase{"FindOk", "find . -ok rm {} \\;", {"find", "rm"}},
        AllowCase{"FindTwoExecs", "find . -exec rm {} \\; -okdir echo {} \\;", {"find", "rm", "echo"}},
        AllowCase{"FindPlusIsArgumentUnlessAfterBraces", "find . -exec echo + \\;", {"find", "echo"}},
        AllowCase{"FindExecRunsShellScript", "find . -exec sh -c 'echo \"$1\"' sh {} \\;",
                  {"find", "sh", "echo"}},
        AllowCase{"FindWithoutExec", "find . -name x -print", {"find"}},
        AllowCase{"FindFromHome", "find ~ -maxdepth 1", {"find"}}),
    allow_name);

INSTANTIATE_TEST_SUITE_P(
    GitAndBuiltins, ShellUnwrapSees,
    testing::Values(
        AllowCase{"GitStatus", "git status", {"git"}},
        AllowCase{"GitDirectory", "git -C repo status", {"git"}},
        AllowCase{"GitUserName", "git -c user.name=x -c user.email=y commit -m m", {"git"}},
        AllowCase{"GitColor", "git -c color.ui=always log", {"git"}},
        AllowCase{"GitAdvice", "git -c advice.detachedHead=false checkout x", {"git"}},
        AllowCase{"GitSafeDirectory", "git -c safe.directory='*' status", {"git"}},
        AllowCase{"GitNoSigning", "git -c commit.gpgsign=false commit -m x", {"git"}},
        AllowCase{"GitUpperCaseSafeKey", "git -c USER.NAME=x log", {"git"}},
        AllowCase{"GitNoPager", "git --no-pager log", {"git"}},
        AllowCase{"GitDir", "git --git-dir=.git --work-tree . status", {"git"}},
        AllowCase{"GitMessageFromVariable", "git commit -m \"$MSG\"", {"git"}},
        AllowCase{"GitAddFromFind", "find . -name '*.c' -exec git add {} +", {"find", "git"}},
        AllowCase{"GitClone", "git clone https://example.com/x.git dir", {"git"}},
        AllowCase{"GitCloneSafeConfig", "git clone -c user.name=x https://e.com/x", {"git"}},
        AllowCase{"GitPush", "git push origin main", {"git"}},
        AllowCase{"GitPushUrlWithVariableHost", "git push \"https://$HOST/x\" main", {"git"}},
        AllowCase{"GitConfigWriteSafeKey", "git config user.email a@b.c", {"git"}},
        AllowCase{"GitConfigRead", "git config --get core.pager", {"git"}},
        AllowCase{"GitConfigReadNewSyntax", "git config get core.pager", {"git"}},
        AllowCase{"GitConfigList", "git config --global --list", {"git"}},
        AllowCase{"GitConfigUnset", "git config --unset core.pager", {"git"}},
        AllowCase{"GitVersion", "git --version", {"git"}},
        AllowCase{"Export", "export FOO=1 BAR", {"export"}},
        AllowCase{"ExportQuotedExpansion", "export FOO=\"$BAR\"", {"export"}},
        AllowCase{"Declare", "declare -rx X=1", {"declare"}},
        AllowCase{"Read", "read -r -p 'name? ' line", {"read"}},
        AllowCase{"ReadArray", "read -a items", {"read"}},
        AllowCase{"Printf", "printf '%s\\n' x", {"printf"}},
        AllowCase{"PrintfToVariable", "printf -v out '%s' x", {"printf"}},
        AllowCase{"Mapfile", "mapfile -t lines", {"mapfile"}},
        AllowCase{"Unset", "unset FOO PATH", {"unset"}},
        AllowCase{"TestVariable", "test -v HOME", {"test"}},
        AllowCase{"SetErrexit", "set -euo pipefail", {"set"}},
        AllowCase{"AliasListing", "alias", {"alias"}},
        AllowCase{"HashReset", "hash -r", {"hash"}}),
    allow_name);

struct DenyCase {
  const char* name;
  std::string line;
  std::string message;  // expected substring of the reason
};

void PrintTo(const DenyCase& c, std::ostream* out) { *out << c.line; }

class ShellUnwrapDenies : public testing::TestWithParam<DenyCase> {};

TEST_P(ShellUnwrapDenies, WithReason) {
  const DenyCase& c = GetParam();
  SCOPED_TRACE("line: " + c.line);
  auto analysis = analyze_command(c.line);
  ASSERT_FALSE(analysis.ok()) << "allowed: " << show(programs_of(*analysis));
  EXPECT_NE(analysis.error().find(c.message), std::string::npos) << analysis.error();
}

std::string deny_name(const testing::TestParamInfo<DenyCase>& info) { return info.param.name; }

constexpr const char* kSudo = "sudo changes privileges and is not allowed";

INSTANTIATE_TEST_SUITE_P(
    Privileges, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"Sudo", "sudo ls", kSudo},
        DenyCase{"SudoAbsolute", "/usr/bin/sudo ls", kSudo},
        DenyCase{"SudoRelative", "./sudo ls", kSudo},
        DenyCase{"SudoSplitQuotes", "'su''do' ls", kSudo},
        DenyCase{"SudoEscaped", "s\\udo ls", kSudo},
        DenyCase{"SudoDoubleQuoted", "\"sudo\" ls", kSudo},
        DenyCase{"SudoEmptyQuotes", "su\"\"do ls", kSudo},
        DenyCase{"SudoContinued", "su\\\ndo ls", kSudo},
        DenyCase{"SudoAfterAssignment", "X=1 sudo ls", kSudo},
        DenyCase{"SudoAfterRedirection", "2>/dev/null sudo ls", kSudo},
        DenyCase{"Sudoedit", "sudoedit /etc/hosts", "sudoedit changes privileges"},
        DenyCase{"Doas", "doas ls", "doas changes privileges"},
        DenyCase{"Su", "su -", "su changes privileges"},
        DenyCase{"Pkexec", "pkexec ls", "pkexec changes privileges"},
        DenyCase{"Run0", "run0 ls", "run0 changes privileges"},
        DenyCase{"Runuser", "runuser -u x ls", "runuser changes privileges"},
        DenyCase{"AfterSemicolon", "ls; sudo x", kSudo},
        DenyCase{"AfterAnd", "ls && sudo x", kSudo},
        DenyCase{"AfterOr", "ls || sudo x", kSudo},
        DenyCase{"InPipeline", "ls | sudo tee f", kSudo},
        DenyCase{"AfterBackground", "ls & sudo x", kSudo},
        DenyCase{"AfterNewline", "ls\nsudo x", kSudo},
        DenyCase{"UnderEnv", "env sudo x", kSudo},
        DenyCase{"UnderEnvAssignment", "env A=1 sudo x", kSudo},
        DenyCase{"UnderNice", "nice -n 5 sudo x", kSudo},
        DenyCase{"UnderTimeout", "timeout 5 sudo x", kSudo},
        DenyCase{"UnderNohup", "nohup sudo x", kSudo},
        DenyCase{"UnderStdbuf", "stdbuf -oL sudo x", kSudo},
        DenyCase{"UnderXargs", "xargs sudo", kSudo},
        DenyCase{"UnderXargsReplace", "xargs -I{} sudo rm {}", kSudo},
        DenyCase{"UnderExec", "exec sudo x", kSudo},
        DenyCase{"UnderCommand", "command sudo x", kSudo},
        DenyCase{"UnderBuiltin", "builtin sudo", kSudo},
        DenyCase{"UnderTime", "time -p sudo x", kSudo},
        DenyCase{"UnderBusybox", "busybox su", "su changes privileges"},
        DenyCase{"UnderNoglob", "noglob sudo x", kSudo},
        DenyCase{"UnderZshDash", "- sudo x", kSudo},
        DenyCase{"UnderBangAfterTime", "time ! sudo x", kSudo},
        DenyCase{"UnderQuotedBang", "'!' sudo x", kSudo},
        DenyCase{"CoprocAfterTime", "time coproc sudo x", "shell keyword \"coproc\""},
        DenyCase{"KeywordUnderWrapper", "time -p while sudo x", "shell keyword \"while\""},
        DenyCase{"UnderFind", "find . -exec sudo rm {} \\;", kSudo},
        DenyCase{"UnderSecondFindExec", "find . -exec ls \\; -exec sudo x \\;", kSudo},
        DenyCase{"UnderBash", "bash -c 'sudo x'", kSudo},
        DenyCase{"UnderShAfterSeparator", "sh -c \"ls; sudo x\"", kSudo},
        DenyCase{"UnderFishKeyword", "fish -c 'true; and sudo x'", kSudo},
        DenyCase{"UnderTrap", "trap 'sudo x' EXIT", kSudo},
        DenyCase{"DeeplyNested", "env nice -n 5 timeout 10 bash -c 'curl x | sudo sh'", kSudo},
        DenyCase{"NestedShellQuoting", "bash -c \"sh -c 'env sudo x'\"", kSudo},
        DenyCase{"WrapperAfterPipeInsideShell", "sh -c 'ls | xargs -n1 sudo rm'", kSudo},
        DenyCase{"SudoAsApplet", "busybox sudo x", kSudo}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    ProgramWords, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"Eval", "eval ls", "\"eval\" runs a string or file as shell code"},
        DenyCase{"Source", "source x.sh", "\"source\" runs a string or file"},
        DenyCase{"Dot", ". ./x.sh", "\".\" runs a string or file"},
        DenyCase{"EvalInsideShell", "bash -c 'eval x'", "\"eval\""},
        DenyCase{"EvalUnderCommand", "command eval x", "\"eval\""},
        DenyCase{"VariableProgram", "$CMD x", "program name \"$CMD\" contains \"$\""},
        DenyCase{"QuotedVariableProgram", "\"$CMD\" x", "contains \"$\""},
        DenyCase{"BracedVariableProgram", "${CMD} x", "contains \"$\""},
        DenyCase{"VariableProgramUnderEnv", "env $CMD", "contains \"$\""},
        DenyCase{"GlobProgram", "/usr/bin/su* x", "glob character \"*\""},
        DenyCase{"QuestionMarkProgram", "s?do x", "glob character \"?\""},
        DenyCase{"BracketProgram", "[s]udo x", "glob character \"[\""},
        DenyCase{"BraceProgram", "{sudo,x} y", "contains a brace"},
        DenyCase{"EmptyProgram", "\"\" foo", "empty program name"},
        DenyCase{"ZshEqualsProgram", "=sudo x", "expanded by zsh"},
        DenyCase{"DirectoryProgram", "/usr/bin/ x", "no file name after the last \"/\""},
        DenyCase{"NestingTooDeep", "env env env env env env env env env ls",
                 "nested more than 8 wrappers or shells deep"}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    Variables, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"Path", "PATH=/tmp ls", "setting PATH (assignment) is not allowed"},
        DenyCase{"PathAppend", "PATH+=:/tmp ls", "setting PATH"},
        DenyCase{"PathAlone", "PATH=/tmp; ls", "setting PATH"},
        DenyCase{"SecondAssignment", "X=1 LD_PRELOAD=/x.so ls", "setting LD_PRELOAD"},
        DenyCase{"LdLibraryPath", "LD_LIBRARY_PATH=/x ls", "setting LD_LIBRARY_PATH"},
        DenyCase{"LdAudit", "LD_AUDIT=/x ls", "setting LD_AUDIT"},
        DenyCase{"AnyLoaderVariable", "LD_BIND_NOW=1 ls", "setting LD_BIND_NOW"},
        DenyCase{"BashEnv", "BASH_ENV=x bash s.sh", "setting BASH_ENV"},
        DenyCase{"Ifs", "IFS=/ ls", "setting IFS"},
        DenyCase{"Ps4", "PS4='$(id)' bash -x s", "setting PS4"},
        DenyCase{"GitSshCommand", "GIT_SSH_COMMAND=x git fetch", "setting GIT_SSH_COMMAND"},
        DenyCase{"GitConfigFamily", "GIT_CONFIG_COUNT=1 git log", "setting GIT_CONFIG_COUNT"},
        DenyCase{"GitConfigGlobal", "GIT_CONFIG_GLOBAL=x git log", "setting GIT_CONFIG_GLOBAL"},
        DenyCase{"Pager", "PAGER=x man ls", "setting PAGER"},
        DenyCase{"Editor", "EDITOR=x git commit", "setting EDITOR"},
        DenyCase{"PythonPath", "PYTHONPATH=. python x.py", "setting PYTHONPATH"},
        DenyCase{"NodeOptions", "NODE_OPTIONS=--require=x node a", "setting NODE_OPTIONS"},
        DenyCase{"Perl5Opt", "PERL5OPT=-Mx perl a", "setting PERL5OPT"},
        DenyCase{"ViaEnv", "env PATH=/tmp ls", "setting PATH (env)"},
        DenyCase{"ViaEnvAfterOptions", "env -i LD_PRELOAD=x ls", "setting LD_PRELOAD (env)"},
        DenyCase{"InsideShell", "bash -c 'PATH=/tmp ls'", "setting PATH"},
        DenyCase{"Export", "export PATH=/tmp", "setting PATH (export)"},
        DenyCase{"ExportAppend", "export PATH+=:/tmp", "setting PATH (export)"},
        DenyCase{"Declare", "declare -x LD_PRELOAD=x", "setting LD_PRELOAD (declare)"},
        DenyCase{"Readonly", "readonly IFS=x", "setting IFS (readonly)"},
        DenyCase{"Local", "local PATH=x", "setting PATH (local)"},
        DenyCase{"Read", "read PATH < f", "setting PATH (read)"},
        DenyCase{"ReadArrayName", "read -a PATH", "setting PATH (read)"},
        DenyCase{"Mapfile", "mapfile PATH", "setting PATH (mapfile)"},
        DenyCase{"PrintfToVariable", "printf -v PATH /tmp", "setting PATH (printf)"},
        DenyCase{"PrintfAttachedName", "printf -vPATH /tmp", "setting PATH (printf)"},
        DenyCase{"Getopts", "getopts ab PATH", "setting PATH (getopts)"},
        DenyCase{"FishSet", "fish -c 'set -gx PATH /tmp'", "setting PATH (set)"},
        DenyCase{"FishSetIndex", "fish -c 'set PATH[1] /tmp'", "setting PATH (set)"},
        DenyCase{"XargsSlotVariable", "xargs --process-slot-var=PATH ls", "setting PATH"},
        DenyCase{"ZshTiedArray", "path=/tmp ls", "setting path"},
        DenyCase{"BashFunctionImport", "env 'BASH_FUNC_ls%%=() { sudo x; }' bash -c ls",
                 "setting BASH_FUNC_ls%% (env)"},
        DenyCase{"EnvUnquotedExpansion", "env FOO=$BAR ls", "env argument \"FOO=$BAR\" contains an expansion"},
        DenyCase{"ExportUnquotedExpansion", "export FOO=$BAR", "put the value in double quotes"},
        DenyCase{"ExportDynamicName", "export \"$NAME\"=1", "cannot tell which variable"},
        DenyCase{"Nameref", "declare -n ref=PATH", "declare -n is not allowed"},
        DenyCase{"IntegerAttribute", "typeset -i n", "typeset -i is not allowed"},
        DenyCase{"SubscriptInName", "read 'a[$(id)]'", "array subscripts are evaluated as arithmetic"},
        DenyCase{"SubscriptInUnset", "unset 'a[x]'", "without an array subscript"},
        DenyCase{"SubscriptInTest", "[ -v 'a[$(id)]' ]", "evaluated as arithmetic"},
        DenyCase{"KeywordMode", "set -k", "set \"-k\" is not allowed"},
        DenyCase{"KeywordModeLong", "set -o keyword", "set -o keyword is not allowed"},
        DenyCase{"KeywordShellFlag", "bash -k -c 'git log GIT_PAGER=x'", "-k turns NAME=value"}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    WrapperOptions, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"EnvSplitString", "env -S 'sudo x'", "option \"-S\" of env is not allowed"},
        DenyCase{"EnvSplitStringAttached", "env -S'ls' x", "option \"-S\" of env is not allowed"},
        DenyCase{"EnvSplitStringLong", "env --split-string='x y'", "\"--split-string\" of env is not allowed"},
        DenyCase{"EnvSplitStringAbbreviated", "env --sp='x y'", "\"--split-string\" of env is not allowed"},
        DenyCase{"EnvSplitInCluster", "env -iS 'x y'", "\"-S\" of env is not allowed"},
        DenyCase{"EnvUnknownOption", "env -q ls", "option \"-q\" of env is not known"},
        DenyCase{"EnvAmbiguousAbbreviation", "env --i ls", "is ambiguous"},
        DenyCase{"EnvOptionArgumentExpands", "env -u $X ls", "has an argument \"$X\" that contains an expansion"},
        DenyCase{"EnvOptionWordExpands", "env -u$X ls", "contains an expansion"},
        DenyCase{"EnvEmptyName", "env '=x' ls", "env assignment \"=x\" has no name"},
        DenyCase{"EnvZshEqualsWord", "env =sudo x", "env argument \"=sudo\" contains an expansion"},
        DenyCase{"EnvMissingArgument", "env -u", "needs an argument"},
        DenyCase{"NiceUnknownOption", "nice -x ls", "option \"-x\" of nice is not known"},
        DenyCase{"TimeoutDurationExpands", "timeout $D ls", "timeout argument \"$D\" contains an expansion"},
        DenyCase{"TimeoutSignalExpands", "timeout -s $S 5 ls", "contains an expansion"},
        DenyCase{"NohupShortOption", "nohup -p ls", "option \"-p\" of nohup is not known"},
        DenyCase{"StdbufMissingMode", "stdbuf -o", "needs an argument"},
        DenyCase{"XargsReplacedProgram", "xargs -I% %", "program name \"%\" is only known at run time"},
        DenyCase{"XargsReplacedShellString", "xargs -I{} sh -c {}", "\"{}\" contains an expansion"},
        DenyCase{"XargsReplacedInsideString", "xargs -I% sh -c 'echo %'", "contains an expansion"},
        DenyCase{"XargsReplacedEnvAssignment", "xargs -I% env % ls", "program name \"%\""},
        DenyCase{"XargsShellWithoutString", "xargs sh -c", "sh -c needs a command string"},
        DenyCase{"XargsEnv", "xargs env", "env gets more arguments from xargs input"},
        DenyCase{"XargsEnvWithAssignment", "xargs env FOO=1", "env gets more arguments from xargs input"},
        DenyCase{"XargsNice", "xargs nice -n 5", "nice gets more arguments"},
        DenyCase{"XargsTimeout", "xargs timeout 5", "timeout gets more arguments"},
        DenyCase{"XargsBash", "xargs bash", "bash gets more arguments"},
        DenyCase{"XargsBashFlags", "xargs bash -x", "bash gets more arguments"},
        DenyCase{"XargsXargs", "xargs xargs", "xargs gets more arguments"},
        DenyCase{"XargsFind", "xargs find .", "find gets more arguments"},
        DenyCase{"XargsGit", "xargs git", "git gets its subcommand from xargs input"},
        DenyCase{"XargsGitFetch", "xargs git fetch", "\"git fetch\" gets more arguments"},
        DenyCase{"XargsEmptyReplace", "xargs -I '' ls", "replacement string must not be empty"},
        DenyCase{"BusyboxInstall", "busybox --install -s", "busybox option \"--install\" is not allowed"},
        DenyCase{"BusyboxList", "busybox --list", "is not allowed"},
        DenyCase{"ExecUnknownOption", "exec -z ls", "option \"-z\" of exec is not known"},
        DenyCase{"ExecNoLongOptions", "exec --foo ls", "of exec is not known"}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    ShellsAndFind, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"ShellStringFromVariable", "bash -c \"$CMD\"", "bash command string \"$CMD\" contains an expansion"},
        DenyCase{"ShellStringWithVariable", "sh -c \"echo $X\"", "contains an expansion"},
        DenyCase{"ShellWithoutString", "bash -c", "bash -c needs a command string"},
        DenyCase{"ShellUnknownLongOption", "bash --foo -c ls", "bash option \"--foo\" is not known"},
        DenyCase{"ShellOptionFromVariable", "bash $OPT 'sudo x'", "bash argument \"$OPT\" contains an expansion"},
        DenyCase{"ShellSubstitutionInString", "bash -c 'echo $(id)'", "command substitution \"$(\""},
        DenyCase{"ShellHereDocInString", "sh -c 'cat <<EOF'", "here-document"},
        DenyCase{"FishBackslash", "fish -c 'ec\\ho x'", "backslash in a fish command"},
        DenyCase{"FishCaretRedirection", "fish -c 'ls ^err'", "fish redirection \"^\""},
        DenyCase{"FishPrompt", "fish -c 'read -p \"sudo x\" v'", "fish runs the prompt"},
        DenyCase{"FishUnknownOption", "fish -q x", "option \"-q\" of fish is not known"},
        DenyCase{"FindUnterminatedExec", "find . -exec rm {}", "find -exec has no terminating"},
        DenyCase{"FindEmptyExec", "find . -exec \\;", "find -exec has no command"},
        DenyCase{"FindUnquotedGlob", "find . -name *.txt", "find argument \"*.txt\" contains an expansion"},
        DenyCase{"FindVariablePath", "find $DIR -name x", "contains an expansion"},
        DenyCase{"FindVariableInsideExec", "find . -exec cp {} \"$D\" -exec sudo x \\;", "contains an expansion"},
        DenyCase{"FindPathAsShellCode", "find . -exec sh -c 'echo {}' \\;", "command string \"echo {}\" contains an expansion"},
        DenyCase{"FindPathAsProgram", "find . -exec {} \\;", "program name \"{}\""},
        DenyCase{"FindPathIntoEnv", "find / -name sudo -exec env {} \\;", "program name \"{}\""},
        DenyCase{"FindPathsIntoGitFetch", "find . -exec git fetch {} +", "\"git fetch\" gets more arguments"},
        DenyCase{"FindPlusIntoWrapper", "find . -exec env {} +", "program name \"{}\""},
        DenyCase{"FindPlusIntoNice", "find . -exec nice -n 1 {} +", "program name \"{}\""},
        DenyCase{"TrapActionFromVariable", "trap \"$CMD\" EXIT", "trap command string \"$CMD\""}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    Git, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"SshCommand", "git -c core.sshCommand=x fetch",
                 "git -c core.sshCommand runs another program"},
        DenyCase{"SshCommandAttached", "git -ccore.sshCommand=x fetch",
                 "git -c core.sshCommand runs another program"},
        DenyCase{"SshCommandUpperCase", "git -c CORE.SSHCOMMAND=x fetch",
                 "git -c CORE.SSHCOMMAND runs another program"},
        DenyCase{"SshCommandQuoted", "git -c 'core.sshCommand=ssh -oProxyCommand=x' fetch",
                 "git -c core.sshCommand runs another program"},
        DenyCase{"Pager", "git -c core.pager=less log", "git -c core.pager runs another program"},
        DenyCase{"Editor", "git -c core.editor=vim commit", "git -c core.editor runs"},
        DenyCase{"Fsmonitor", "git -c core.fsmonitor=x status", "git -c core.fsmonitor runs"},
        DenyCase{"HooksPath", "git -c core.hooksPath=x commit", "git -c core.hooksPath runs"},
        DenyCase{"GitProxy", "git -c core.gitProxy=x fetch", "git -c core.gitProxy runs"},
        DenyCase{"CredentialHelper", "git -c credential.helper=x push", "git -c credential.helper runs"},
        DenyCase{"Alias", "git -c alias.x='!sh' x", "git -c alias.x runs"},
        DenyCase{"DiffExternal", "git -c diff.external=x diff", "git -c diff.external runs"},
        DenyCase{"Textconv", "git -c diff.bin.textconv=x diff", "git -c diff.bin.textconv runs"},
        DenyCase{"Filter", "git -c filter.lfs.clean=x add f", "git -c filter.lfs.clean runs"},
        DenyCase{"GpgProgram", "git -c gpg.program=x commit", "git -c gpg.program runs"},
        DenyCase{"SequenceEditor", "git -c sequence.editor=x rebase -i", "git -c sequence.editor runs"},
        DenyCase{"UploadPackHook", "git -c uploadpack.packObjectsHook=x fetch",
                 "git -c uploadpack.packObjectsHook runs"},
        DenyCase{"ProtocolAllow", "git -c protocol.ext.allow=always fetch", "git -c protocol.ext.allow is not allowed"},
        DenyCase{"UrlRewrite", "git -c url.ext::x.insteadOf=https:// fetch", "is not allowed"},
        DenyCase{"UnknownKey", "git -c foo.bar=1 status", "git -c foo.bar is not allowed"},
        DenyCase{"SigningOn", "git -c commit.gpgsign=true commit", "runs gpg to sign"},
        DenyCase{"SigningImplicitTrue", "git -c commit.gpgsign commit", "runs gpg to sign"},
        DenyCase{"EmptyKey", "git -c '=x' status", "has no key"},
        DenyCase{"ConfigEnv", "git --config-env=core.pager=P log", "git --config-env"},
        DenyCase{"ExecPath", "git --exec-path=/tmp status", "git --exec-path"},
        DenyCase{"ExecPathQuery", "git --exec-path", "git --exec-path"},
        DenyCase{"UnknownGlobalOption", "git --bogus status", "git option \"--bogus\" is not known"},
        DenyCase{"MissingConfigValue", "git -c", "needs a value"},
        DenyCase{"ConfigValueExpands", "git -c \"$KV\" status", "contains an expansion"},
        DenyCase{"DirectoryValueExpands", "git -C $D status", "contains an expansion"},
        DenyCase{"SubcommandExpands", "git \"$SUB\"", "before the subcommand contains an expansion"},
        DenyCase{"UploadPack", "git fetch --upload-pack=x origin", "git fetch --upload-pack runs"},
        DenyCase{"UploadPackSeparate", "git fetch --upload-pack x origin", "--upload-pack runs"},
        DenyCase{"UploadPackAbbreviated", "git fetch --upl=x origin", "--upload-pack runs"},
        DenyCase{"UploadPackInPull", "git pull --upload-pack=x", "git pull --upload-pack runs"},
        DenyCase{"ReceivePack", "git push --receive-pack=x", "git push --receive-pack runs"},
        DenyCase{"PushExec", "git push --exec=x", "git push --exec runs"},
        DenyCase{"ArchiveRemoteExec", "git archive --remote=r --exec=x HEAD", "git archive --exec runs"},
        DenyCase{"CloneShortUploadPack", "git clone -u x url", "git clone -u runs"},
        DenyCase{"CloneClusteredUploadPack", "git clone -qu x url", "git clone -u runs"},
        DenyCase{"FetchShortUploadPack", "git fetch -u x", "git fetch -u runs"},
        DenyCase{"LsRemoteShortUploadPack", "git ls-remote -u x url", "git ls-remote -u runs"},
        DenyCase{"CloneConfig", "git clone --config core.sshCommand=x url", "git clone --config core.sshCommand runs"},
        DenyCase{"CloneConfigAttached", "git clone --config=core.pager=x url", "git clone --config core.pager runs"},
        DenyCase{"CloneShortConfig", "git clone -c core.sshCommand=x url", "git clone --config core.sshCommand runs"},
        DenyCase{"CloneTemplate", "git clone --template=/tmp/t url", "git clone --template runs"},
        DenyCase{"InitTemplate", "git init --template=/tmp/t", "git init --template runs"},
        DenyCase{"ExtUrl", "git fetch ext::sh", "uses the ext:: transport"},
        DenyCase{"ExtUrlUpperCase", "git clone 'EXT::sh -c x' d", "uses the ext:: transport"},
        DenyCase{"ExtUrlInRemote", "git remote add o 'ext::sh -c x'", "uses the ext:: transport"},
        DenyCase{"RebaseExec", "git rebase -x make main", "git rebase -x runs"},
        DenyCase{"RebaseExecLong", "git rebase --exec=make main", "git rebase --exec runs"},
        DenyCase{"DifftoolExtcmd", "git difftool --extcmd=x", "git difftool --extcmd runs"},
        DenyCase{"DifftoolShort", "git difftool -x x", "git difftool -x runs"},
        DenyCase{"GrepPager", "git grep -O x", "git grep -O runs"},
        DenyCase{"GrepPagerLong", "git grep --open-files-in-pager=x pat", "git grep --open-files-in-pager runs"},
        DenyCase{"SendEmailCommand", "git send-email --to-cmd=x", "git send-email --to-cmd runs"},
        DenyCase{"SubmoduleForeach", "git submodule foreach 'sudo x'", "\"git submodule foreach\" runs shell commands"},
        DenyCase{"BisectRun", "git bisect run make", "\"git bisect run\" runs shell commands"},
        DenyCase{"FilterBranch", "git filter-branch --tree-filter x", "\"git filter-branch\" runs shell commands"},
        DenyCase{"GitShell", "git shell -c x", "\"git shell\" runs shell commands"},
        DenyCase{"DaemonAccessHook", "git daemon --access-hook=x", "git daemon --access-hook runs"},
        DenyCase{"ConfigWritePager", "git config core.pager x", "git config core.pager runs another program"},
        DenyCase{"ConfigWriteNewSyntax", "git config set core.pager x", "git config core.pager runs"},
        DenyCase{"ConfigAddAlias", "git config --add alias.x '!x'", "git config alias.x runs"},
        DenyCase{"ConfigGlobalWrite", "git config --global core.sshCommand x", "git config core.sshCommand runs"},
        DenyCase{"ConfigEdit", "git config --edit", "git config --edit is not allowed"},
        DenyCase{"ConfigRenameSection", "git config --rename-section x alias", "--rename-section is not allowed"},
        DenyCase{"ConfigUnknownOption", "git config --frob k v", "git config option \"--frob\" is not known"},
        DenyCase{"ConfigExpandingKey", "git config \"$K\" x", "argument \"$K\" contains an expansion"},
        DenyCase{"PushToVariableRef", "git push origin \"$BRANCH\"", "could become an option or URL"},
        DenyCase{"CloneFromVariable", "git clone $URL", "could become an option or URL"},
        DenyCase{"InsideShell", "sh -c 'git -c core.pager=x log'", "git -c core.pager runs"}),
    deny_name);

INSTANTIATE_TEST_SUITE_P(
    BuiltinsAndRedirections, ShellUnwrapDenies,
    testing::Values(
        DenyCase{"Let", "let x=1", "let is not allowed"},
        DenyCase{"Fc", "fc -s", "fc is not allowed"},
        DenyCase{"AliasDefinition", "alias ls=sudo", "alias definition is not allowed"},
        DenyCase{"HashBinding", "hash -p /usr/bin/sudo git", "hash \"-p\" is not allowed"},
        DenyCase{"EnableLoadable", "enable -f x.so y", "enable \"-f\" is not allowed"},
        DenyCase{"MapfileCallback", "mapfile -C cb -c 1 arr", "mapfile -C is not allowed"},
        DenyCase{"CompgenCommand", "compgen -C 'sudo x' w", "compgen \"-C\" is not allowed"},
        DenyCase{"BindCommand", "bind -x '\"a\":sudo'", "bind \"-x\" is not allowed"},
        DenyCase{"JobsCommand", "jobs -x sudo id", "jobs \"-x\" is not allowed"},
        DenyCase{"Autoload", "autoload -U zargs", "autoload is not allowed"},
        DenyCase{"ZshEmulate", "emulate sh -c 'x'", "emulate \"-c\" is not allowed"},
        DenyCase{"TargetVariable", "echo x > $F", "redirection target \"$F\" contains an expansion"},
        DenyCase{"TargetGlob", "echo x > *.txt", "contains an expansion"},
        DenyCase{"TargetTilde", "echo x > ~/f", "starts with \"~\""},
        DenyCase{"TargetEmpty", "echo x > ''", "has an empty file name"},
        DenyCase{"TargetVariableInsideShell", "sh -c 'echo x > $F'", "contains an expansion"},
        DenyCase{"DuplicateToVariable", "echo x >&$F", "contains an expansion"},
        DenyCase{"ZshClobberTarget", "echo x >! out", "zsh reads \">!file\" as a write to file"},
        DenyCase{"BashTcpSocket", "echo x > /dev/tcp/127.0.0.1/80", "opens a network connection"},
        DenyCase{"BashUdpSocketInput", "cat < /dev//udp/127.0.0.1/53", "opens a network connection"},
        DenyCase{"BashSocketDotSegment", "echo x >/dev/./tcp/h/1", "opens a network connection"}),
    deny_name);

// "sh -c '...'" nested `levels` times around "ls", quoting each level.
std::string nested_shells(int levels) {
  std::string line = "ls";
  for (int level = 0; level < levels; ++level) {
    std::string quoted = "'";
    for (const char c : line) {
      if (c == '\'') {
        quoted += "'\\''";
      } else {
        quoted += c;
      }
    }
    line = "sh -c " + quoted + "'";
  }
  return line;
}

TEST(ShellUnwrap, EightNestedShellsAreSeen) {
  const std::string line = nested_shells(8);
  SCOPED_TRACE(line);
  auto analysis = analyze_command(line);
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 9u);
  EXPECT_EQ(analysis->invocations.back().program, "ls");
}

TEST(ShellUnwrap, NineNestedShellsAreRejected) {
  auto analysis = analyze_command(nested_shells(9));
  ASSERT_FALSE(analysis.ok());
  EXPECT_NE(analysis.error().find("nested more than 8"), std::string::npos) << analysis.error();
}

TEST(ShellUnwrap, InvocationKeepsArgvAsWritten) {
  auto analysis = analyze_command("/usr/bin/git -C 'my repo' status");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 1u);
  EXPECT_EQ(analysis->invocations[0].program, "git");
  EXPECT_EQ(analysis->invocations[0].argv,
            (std::vector<std::string>{"/usr/bin/git", "-C", "my repo", "status"}));
}

TEST(ShellUnwrap, WrapperArgvIncludesInnerCommand) {
  auto analysis = analyze_command("env FOO=1 nice -n 5 make -j2");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 3u);
  EXPECT_EQ(analysis->invocations[0].argv,
            (std::vector<std::string>{"env", "FOO=1", "nice", "-n", "5", "make", "-j2"}));
  EXPECT_EQ(analysis->invocations[1].argv,
            (std::vector<std::string>{"nice", "-n", "5", "make", "-j2"}));
  EXPECT_EQ(analysis->invocations[2].argv, (std::vector<std::string>{"make", "-j2"}));
}

TEST(ShellUnwrap, XargsWithoutCommandAddsEcho) {
  auto analysis = analyze_command("ls | xargs -n1");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 3u);
  EXPECT_EQ(analysis->invocations[2].program, "echo");
  EXPECT_EQ(analysis->invocations[2].argv, (std::vector<std::string>{"echo"}));
}

TEST(ShellUnwrap, FindExecInvocationHoldsOnlyItsCommand) {
  auto analysis = analyze_command("find . -name x -exec rm -f {} \\; -print");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 2u);
  EXPECT_EQ(analysis->invocations[1].argv, (std::vector<std::string>{"rm", "-f", "{}"}));
}

TEST(ShellUnwrap, CollectsRedirectionsFromEveryLevel) {
  auto analysis = analyze_command("ls > a.txt 2>&1; bash -c 'cat < b.txt >> c.txt'");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->redirections.size(), 4u);
  EXPECT_EQ(analysis->redirections[0].target, "a.txt");
  EXPECT_EQ(analysis->redirections[1].kind, Redirection::Kind::duplicate);
  EXPECT_EQ(analysis->redirections[2].kind, Redirection::Kind::input);
  EXPECT_EQ(analysis->redirections[2].target, "b.txt");
  EXPECT_EQ(analysis->redirections[3].kind, Redirection::Kind::output);
  EXPECT_EQ(analysis->redirections[3].target, "c.txt");
}

TEST(ShellUnwrap, CyrillicLookAlikeIsNotSudo) {
  // U+0455 CYRILLIC SMALL LETTER DZE looks like 's' but names another file.
  auto analysis = analyze_command("/usr/bin/\xD1\x95udo id");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 1u);
  EXPECT_NE(analysis->invocations[0].program, "sudo");
  EXPECT_EQ(analysis->invocations[0].program, "\xD1\x95udo");
}

TEST(ShellUnwrap, RejectsNulByte) {
  auto analysis = analyze_command(std::string("ls\0; sudo x", 11));
  ASSERT_FALSE(analysis.ok());
  EXPECT_EQ(analysis.error(), "command line contains a NUL byte");
}

TEST(ShellUnwrap, RejectsLineOver64KiB) {
  auto analysis = analyze_command("ls " + std::string(64 * 1024, 'a'));
  ASSERT_FALSE(analysis.ok());
  EXPECT_NE(analysis.error().find("the limit is 65536"), std::string::npos) << analysis.error();
}

TEST(ShellUnwrap, XargsPlaceholderKeptInArgv) {
  // The programs that xargs and find run see the substituted word; the
  // invocation keeps the placeholder as written.
  auto analysis = analyze_command("xargs -I{} cp {} /tmp/{}.bak");
  ASSERT_TRUE(analysis.ok()) << analysis.error();
  ASSERT_EQ(analysis->invocations.size(), 2u);
  EXPECT_EQ(analysis->invocations[1].argv,
            (std::vector<std::string>{"cp", "{}", "/tmp/{}.bak"}));
}

// Short lowercase words with a prefix that keeps them clear of keywords
// and of the programs the analysis treats specially.
rc::Gen<std::string> plain_word() {
  return rc::gen::map(rc::gen::resize(12, rc::gen::nonEmpty(rc::gen::container<std::string>(
                          rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyz0123456789_."))))),
                      [](std::string word) { return "x_" + word; });
}

// A plain command of one to six words.
rc::Gen<std::vector<std::string>> plain_command() {
  return rc::gen::mapcat(rc::gen::inRange(1, 7), [](int count) {
    return rc::gen::container<std::vector<std::string>>(static_cast<std::size_t>(count),
                                                        plain_word());
  });
}

// Wrapping any plain command in a wrapper adds exactly the wrapper.
RC_GTEST_PROP(ShellUnwrapProperty, WrapperAddsItselfInFront, ()) {
  const auto words = *plain_command();
  const auto wrapper = *rc::gen::element<std::string>(
      "env", "env -i A=1", "nice -n 5", "timeout 10", "nohup", "stdbuf -oL", "exec", "command",
      "time -p", "builtin", "xargs -0", "busybox");
  std::string command;
  for (const auto& word : words) command += " " + word;
  auto plain = analyze_command(command);
  auto wrapped = analyze_command(wrapper + command);
  RC_ASSERT(plain.ok());
  RC_ASSERT(wrapped.ok());
  Programs expected = {wrapper.substr(0, wrapper.find(' '))};
  for (const auto& program : programs_of(*plain)) expected.push_back(program);
  RC_ASSERT(programs_of(*wrapped) == expected);
}

// A command string passed to sh -c gives the same programs as the line.
RC_GTEST_PROP(ShellUnwrapProperty, ShellStringMatchesTopLevel, ()) {
  const auto count = *rc::gen::inRange(1, 6);
  const auto commands = *rc::gen::container<std::vector<std::vector<std::string>>>(
      static_cast<std::size_t>(count), plain_command());
  std::string line;
  for (const auto& command : commands) {
    if (!line.empty()) line += " && ";
    for (const auto& word : command) line += word + " ";
  }
  auto direct = analyze_command(line);
  auto nested = analyze_command("sh -c '" + line + "'");
  RC_ASSERT(direct.ok());
  RC_ASSERT(nested.ok());
  Programs expected = {"sh"};
  for (const auto& program : programs_of(*direct)) expected.push_back(program);
  RC_ASSERT(programs_of(*nested) == expected);
}

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// A command line that runs `inner` through a random chain of wrappers,
// shells and find -exec.
rc::Gen<std::string> wrapped(std::string inner, int levels) {
  if (levels == 0) return rc::gen::just(std::move(inner));
  return rc::gen::mapcat(rc::gen::inRange(0, 24), [inner, levels](int choice) {
    static const std::vector<std::string> kPrefixes = {
        "env", "env -i", "env A=1", "nice", "nice -n 5", "nice -5", "timeout 5",
        "timeout -s KILL 5", "nohup", "stdbuf -oL", "xargs", "xargs -0 -n1", "exec",
        "command", "command -p", "builtin", "time", "time -p", "busybox", "noglob", "!", "-"};
    std::string line;
    if (choice < static_cast<int>(kPrefixes.size())) {
      line = kPrefixes[static_cast<std::size_t>(choice)] + " " + inner;
    } else if (choice == static_cast<int>(kPrefixes.size())) {
      line = "bash -c " + single_quoted(inner);
    } else {
      line = "find . -exec " + inner + " \\;";
    }
    return wrapped(line, levels - 1);
  });
}

// However sudo is wrapped, the line is never accepted.
RC_GTEST_PROP(ShellUnwrapProperty, WrappedSudoIsNeverAccepted, ()) {
  const int levels = *rc::gen::inRange(0, 10);
  const std::string line = *wrapped("sudo id", levels);
  auto analysis = analyze_command(line);
  RC_ASSERT(!analysis.ok());
}

}  // namespace
}  // namespace nucleus::policy
