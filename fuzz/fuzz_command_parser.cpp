// libFuzzer target for command line splitting, wrapper analysis and prefix
// command rules. The input is one command line. Beyond "no crash", it
// checks that results are deterministic, that an accepted line names no
// empty, path-like or privilege-changing program, that analysis accepts
// only what splitting accepts and includes every top-level command, and that a
// prefix rule's text parses back to the same rule.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/command_rule.h"
#include "policy/shell.h"

namespace {

using nucleus::policy::analyze_command;
using nucleus::policy::CommandAnalysis;
using nucleus::policy::CommandRule;
using nucleus::policy::Invocation;
using nucleus::policy::Redirection;
using nucleus::policy::SimpleCommand;
using nucleus::policy::split_command_line;

void check(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\n", invariant);
  std::abort();
}

bool same_redirections(const std::vector<Redirection>& a, const std::vector<Redirection>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].target != b[i].target) return false;
  }
  return true;
}

bool same_analysis(const CommandAnalysis& a, const CommandAnalysis& b) {
  if (a.invocations.size() != b.invocations.size()) return false;
  for (std::size_t i = 0; i < a.invocations.size(); ++i) {
    if (a.invocations[i].program != b.invocations[i].program) return false;
    if (a.invocations[i].argv != b.invocations[i].argv) return false;
  }
  return same_redirections(a.redirections, b.redirections);
}

bool changes_privileges(std::string_view program) {
  for (std::string_view name : {"sudo", "sudoedit", "doas", "su", "pkexec", "run0"}) {
    if (program == name) return true;
  }
  return false;
}

void check_invocation(const Invocation& invocation) {
  check(!invocation.program.empty(), "invocation program is not empty");
  check(invocation.program.find('/') == std::string::npos, "invocation program has no '/'");
  check(!invocation.argv.empty(), "invocation argv is not empty");
  const std::string& first = invocation.argv.front();
  const std::size_t slash = first.rfind('/');
  const std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
  check(invocation.program == base, "invocation program is the base name of argv[0]");
  check(!changes_privileges(invocation.program), "no privilege-changing program is accepted");
  check(invocation.program.find('$') == std::string::npos, "invocation program has no '$'");
}

// Splitting keeps an empty file operand such as "< ''"; analysis rejects it.
void check_redirection(const Redirection& redirection, bool analyzed) {
  const bool duplicate = redirection.kind == Redirection::Kind::duplicate;
  if (duplicate) check(redirection.target.empty(), "duplications have an empty target");
  if (analyzed && !duplicate) check(!redirection.target.empty(), "file targets are not empty");
}

void check_split(std::string_view line) {
  auto first = split_command_line(line);
  auto second = split_command_line(line);
  check(first.ok() == second.ok(), "split is deterministic");
  if (!first.ok()) {
    check(first.error() == second.error(), "split error is deterministic");
    check(!first.error().empty(), "split error has a message");
    return;
  }
  check(first->size() == second->size(), "split is deterministic");
  for (std::size_t i = 0; i < first->size(); ++i) {
    const SimpleCommand& command = (*first)[i];
    check(command.argv == (*second)[i].argv, "split is deterministic");
    check(!command.argv.empty() || !command.assignments.empty() ||
              !command.redirections.empty(),
          "every split command has a word, an assignment or a redirection");
    for (const Redirection& redirection : command.redirections) {
      check_redirection(redirection, false);
    }
  }
}

void check_analysis(std::string_view line) {
  auto first = analyze_command(line);
  auto second = analyze_command(line);
  check(first.ok() == second.ok(), "analysis is deterministic");
  if (!first.ok()) {
    check(first.error() == second.error(), "analysis error is deterministic");
    check(!first.error().empty(), "analysis error has a message");
    return;
  }
  check(same_analysis(*first, *second), "analysis is deterministic");
  for (const Invocation& invocation : first->invocations) check_invocation(invocation);
  for (const Redirection& redirection : first->redirections) check_redirection(redirection, true);

  // Every top-level command with words appears, in order, among the
  // invocations.
  auto commands = split_command_line(line);
  check(commands.ok(), "analysis accepts only lines that split");
  std::size_t next = 0;
  for (const SimpleCommand& command : *commands) {
    if (command.argv.empty()) continue;
    while (next < first->invocations.size() && first->invocations[next].argv != command.argv) {
      ++next;
    }
    check(next < first->invocations.size(), "every top-level command is an invocation");
    ++next;
  }
}

void check_prefix_rule(std::string_view line) {
  auto rule = CommandRule::prefix(line);
  if (!rule.ok()) return;
  check(rule->text().find('\0') == std::string::npos, "rule text has no NUL");
  auto again = CommandRule::prefix(rule->text());
  check(again.ok(), "prefix rule text parses again");
  check(*again == *rule, "prefix rule text round-trips");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  check_split(line);
  check_analysis(line);
  check_prefix_rule(line);
  return 0;
}
