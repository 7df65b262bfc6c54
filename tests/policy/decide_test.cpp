// decide(): verdicts and the reasons that name the deciding rule.
#include <gtest/gtest.h>

#include "policy/policy.h"
#include "policy/profiles.h"

namespace nucleus::policy {
namespace {

Policy profile_policy(std::string_view name) {
  return Policy::make("profile " + std::string(name), "/workspace",
                      profile_envelope(name, "/workspace"));
}

struct Case {
  const char* name;
  const char* profile;
  Operation op;
  Target target;
  Verdict verdict;
  const char* reason;  // expected reason text, or a substring of it
};

class DecideTable : public ::testing::TestWithParam<Case> {};

TEST_P(DecideTable, GivesVerdictAndReason) {
  const Case& c = GetParam();
  const Decision d = decide(profile_policy(c.profile), c.op, c.target);
  EXPECT_EQ(to_string(d.verdict), to_string(c.verdict)) << d.reason;
  EXPECT_NE(d.reason.find(c.reason), std::string::npos) << "reason: " << d.reason;
}

const Case kCases[] = {
    {"CodeReviewNeverWrites", "code-review", Operation::write_files,
     Target::path("/workspace/a.txt"), Verdict::deny, "write_files is never in profile code-review"},
    {"CodeReviewReadsWorkspace", "code-review", Operation::read_files,
     Target::path("/workspace/src/main.cpp"), Verdict::allow, "read_files is always"},
    {"RelativePathResolvesIntoWorkspace", "code-review", Operation::read_files,
     Target::path("src/main.cpp"), Verdict::allow, "read_files is always"},
    {"DotDotCannotLeaveWorkspace", "code-review", Operation::read_files,
     Target::path("../../etc/passwd"), Verdict::deny,
     "path /etc/passwd is outside the allowed paths (/workspace/**)"},
    {"FixIssueBlocksEnv", "fix-issue", Operation::read_files, Target::path("/workspace/.env"),
     Verdict::deny, "path /workspace/.env matches blocked pattern **/.env"},
    {"FixIssueBlocksNestedKey", "fix-issue", Operation::read_files,
     Target::path("/workspace/deploy/tls/server.key"), Verdict::deny, "matches blocked pattern **/*.key"},
    {"FixIssueBlocksSshDir", "fix-issue", Operation::write_files,
     Target::path("/workspace/.ssh/authorized_keys"), Verdict::deny, "**/.ssh/**"},
    {"FixIssueGitPushNeedsApproval", "fix-issue", Operation::git_push, Target::none(),
     Verdict::approval_required, "trifecta complete (read_files, web_fetch, git_push): git_push needs approval"},
    {"FixIssueCreatePrNeedsApproval", "fix-issue", Operation::create_pr, Target::none(),
     Verdict::approval_required, "create_pr needs approval"},
    {"FixIssueRunBashNeedsApproval", "fix-issue", Operation::run_bash, Target::command("cargo test"),
     Verdict::approval_required, "run_bash needs approval"},
    {"FixIssueCommitIsFree", "fix-issue", Operation::git_commit, Target::none(), Verdict::allow,
     "git_commit is low_risk"},
    {"DemoBlocksBash", "demo", Operation::run_bash, Target::command("bash -c 'ls'"), Verdict::deny,
     "program bash matches blocked command rule bash"},
    {"DemoBlocksInterpreterByPath", "demo", Operation::run_bash,
     Target::command("/usr/bin/python3 x.py"), Verdict::deny, "program python3 matches blocked"},
    {"DemoBlocksInterpreterBehindWrapper", "demo", Operation::run_bash,
     Target::command("env FOO=1 nice -n 5 node x.js"), Verdict::deny, "program node matches blocked"},
    {"DemoBlocksInterpreterAfterSeparator", "demo", Operation::run_bash,
     Target::command("ls && perl -e 1"), Verdict::deny, "program perl"},
    {"DemoAllowsOtherCommands", "demo", Operation::run_bash, Target::command("ls -la | grep src"),
     Verdict::allow, "run_bash is low_risk"},
    {"DemoDeniesCommandSubstitution", "demo", Operation::run_bash, Target::command("ls $(whoami)"),
     Verdict::deny, "command rejected"},
    {"DemoRedirectionFollowsPathRules", "demo", Operation::run_bash,
     Target::command("echo x > /etc/cron.d/job"), Verdict::deny, "redirection path /etc/cron.d/job"},
    {"DemoRedirectionToDevNullIsFine", "demo", Operation::run_bash,
     Target::command("ls 2>/dev/null"), Verdict::allow, "run_bash"},
    {"ProfilesAllowNoEgress", "fix-issue", Operation::web_fetch, Target::url("https://example.com/"),
     Verdict::deny, "the policy allows no network egress"},
    {"PathTargetOnRunBashIsDenied", "demo", Operation::run_bash, Target::path("/workspace/x"),
     Verdict::deny, "run_bash does not take a path target"},
    {"NulInPathIsDenied", "code-review", Operation::read_files,
     Target::path(std::string("/workspace/a\0b", 14)), Verdict::deny, "NUL"},
    {"ReadOnlyHasNoWebSearch", "read-only", Operation::web_search, Target::none(), Verdict::deny,
     "web_search is never in profile read-only"},
    {"PermissiveStillHasTrifecta", "permissive", Operation::git_push, Target::none(),
     Verdict::approval_required, "trifecta complete"},
    {"RestrictiveCannotRun", "restrictive", Operation::run_bash, Target::command("ls"), Verdict::deny,
     "run_bash is never in profile restrictive"},
};

INSTANTIATE_TEST_SUITE_P(Policy, DecideTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& test) { return std::string(test.param.name); });

TEST(Decide, EgressAllowlistDecidesWebFetch) {
  Envelope e = profile_envelope("fix-issue", "/workspace");
  e.egress.allow.insert(EgressRule::parse("api.example.com:443").value());
  e.egress.allow.insert(EgressRule::parse("*.github.com:443").value());
  const Policy p = Policy::make("pod t", "/workspace", e);

  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("https://api.example.com/v1")).verdict,
            Verdict::allow);
  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("https://API.Example.COM./x")).verdict,
            Verdict::allow);
  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("https://raw.github.com/x")).verdict,
            Verdict::allow);
  const Decision other_port = decide(p, Operation::web_fetch, Target::url("http://api.example.com/"));
  EXPECT_EQ(other_port.verdict, Verdict::deny);
  EXPECT_EQ(other_port.reason, "api.example.com:80 is not in dns_allow");
  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("https://github.com/")).verdict, Verdict::deny);
  const Decision userinfo =
      decide(p, Operation::web_fetch, Target::url("https://api.example.com@evil.test/"));
  EXPECT_EQ(userinfo.verdict, Verdict::deny);
  EXPECT_NE(userinfo.reason.find("userinfo"), std::string::npos) << userinfo.reason;
  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("file:///etc/passwd")).verdict, Verdict::deny);
  EXPECT_EQ(decide(p, Operation::web_fetch, Target::url("https://2130706433/")).verdict, Verdict::deny);
}

TEST(Decide, TimeWindowAndTimeout) {
  Envelope e = profile_envelope("read-only", "/workspace");
  e.time.valid_from = 1'000;
  e.time.valid_until = 2'000;
  e.time.timeout_seconds = 60;
  const Policy p = Policy::make("pod t", "/workspace", e);
  const Target target = Target::path("a.txt");

  EXPECT_EQ(decide(p, Operation::read_files, target, {1'500, 1'490}).verdict, Verdict::allow);
  const Decision early = decide(p, Operation::read_files, target, {999, std::nullopt});
  EXPECT_EQ(early.verdict, Verdict::deny);
  EXPECT_EQ(early.reason, "policy is not valid before 1970-01-01T00:16:40Z");
  const Decision late = decide(p, Operation::read_files, target, {2'000, std::nullopt});
  EXPECT_EQ(late.reason, "policy expired at 1970-01-01T00:33:20Z");
  const Decision timed_out = decide(p, Operation::read_files, target, {1'560, 1'500});
  EXPECT_EQ(timed_out.verdict, Verdict::deny);
  EXPECT_EQ(timed_out.reason, "timeout_seconds 60 has elapsed since the pod started");
}

TEST(Decide, ExplicitObligationIsNamed) {
  Envelope e = profile_envelope("read-only", "/workspace");
  e.capabilities.add_obligation(Operation::read_files);
  const Policy p = Policy::make("pod t", "/workspace", e);
  const Decision d = decide(p, Operation::read_files, Target::path("x"));
  EXPECT_EQ(d.verdict, Verdict::approval_required);
  EXPECT_EQ(d.reason, "read_files requires approval in pod t");
}

TEST(Decide, BlockedWinsOverAllowed) {
  std::string error;
  const Glob allowed = *Glob::compile("/workspace/**", "/workspace", &error);
  const Glob blocked = *Glob::compile("/workspace/secret/**", "/workspace", &error);
  Envelope e = profile_envelope("read-only", "/workspace");
  e.paths = make_path_rules({allowed, blocked}, {blocked});
  const Policy p = Policy::make("pod t", "/workspace", e);
  const Decision d = decide(p, Operation::read_files, Target::path("secret/x"));
  EXPECT_EQ(d.verdict, Verdict::deny);
  EXPECT_EQ(d.reason, "path /workspace/secret/x matches blocked pattern /workspace/secret/**");
}

TEST(Decide, AllowedCommandListIsEnforced) {
  Envelope e = profile_envelope("demo", "/workspace");
  e.commands = make_command_rules({CommandRule::prefix("cargo").value(),
                                   CommandRule::prefix("git status").value()},
                                  {});
  const Policy p = Policy::make("pod t", "/workspace", e);
  EXPECT_EQ(decide(p, Operation::run_bash, Target::command("cargo test --all")).verdict, Verdict::allow);
  EXPECT_EQ(decide(p, Operation::run_bash, Target::command("git status")).verdict, Verdict::allow);
  const Decision d = decide(p, Operation::run_bash, Target::command("git push origin main"));
  EXPECT_EQ(d.verdict, Verdict::deny);
  EXPECT_EQ(d.reason, "command \"git push origin main\" matches no allowed command rule (cargo, git status)");
  EXPECT_EQ(decide(p, Operation::run_bash, Target::command("cargo test; rm -rf /")).verdict,
            Verdict::deny);
}

TEST(Decide, BottomPathRulesAllowNothing) {
  Envelope e = profile_envelope("read-only", "/workspace");
  e.paths = PathRules::bottom();
  const Policy p = Policy::make("pod t", "/workspace", e);
  const Decision d = decide(p, Operation::read_files, Target::path("a"));
  EXPECT_EQ(d.verdict, Verdict::deny);
  EXPECT_EQ(d.reason, "no path is allowed");
}

}  // namespace
}  // namespace nucleus::policy
