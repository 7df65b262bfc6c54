// Built-in profiles: the quickstart's levels and the trifecta outcome.
#include <gtest/gtest.h>

#include "policy/policy.h"
#include "policy/profiles.h"

namespace nucleus::policy {
namespace {

Policy profile_policy(std::string_view name) {
  return Policy::make(std::string(name), "/workspace", profile_envelope(name, "/workspace"));
}

TEST(Profiles, NamesMatchTheQuickstart) {
  std::vector<std::string> names;
  for (const ProfileInfo& info : profiles()) {
    names.emplace_back(info.name);
    EXPECT_FALSE(info.description.empty()) << info.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"read-only", "code-review", "fix-issue", "demo",
                                             "permissive", "restrictive"}));
  EXPECT_TRUE(is_profile_name("fix-issue"));
  EXPECT_FALSE(is_profile_name("Fix-Issue"));
  EXPECT_FALSE(is_profile_name(""));
}

TEST(Profiles, ReadOnlyReadsButNeverWritesOrUsesNetwork) {
  const Capabilities caps = profile_policy("read-only").envelope().capabilities;
  EXPECT_EQ(caps.level(Operation::read_files), Level::always);
  for (Operation op : {Operation::write_files, Operation::edit_files, Operation::run_bash,
                       Operation::web_fetch, Operation::web_search, Operation::git_push}) {
    EXPECT_EQ(caps.level(op), Level::never) << to_string(op);
  }
}

TEST(Profiles, CodeReviewHasWebSearchAndNoTrifecta) {
  const Policy p = profile_policy("code-review");
  EXPECT_EQ(p.envelope().capabilities.level(Operation::web_search), Level::low_risk);
  EXPECT_FALSE(trifecta_complete(p.envelope().capabilities));
  EXPECT_TRUE(p.envelope().capabilities.obligations().none());
}

TEST(Profiles, FixIssueObligesExfiltrationThroughTrifecta) {
  const Policy p = profile_policy("fix-issue");
  EXPECT_TRUE(trifecta_complete(p.envelope().capabilities));
  for (Operation op : kExfiltrationOperations) {
    EXPECT_TRUE(p.envelope().capabilities.obliged(op)) << to_string(op);
    EXPECT_TRUE(p.trifecta_obligations().test(index_of(op))) << to_string(op);
  }
  EXPECT_FALSE(p.envelope().capabilities.obliged(Operation::git_commit));
  EXPECT_FALSE(p.envelope().capabilities.obliged(Operation::write_files));
}

TEST(Profiles, FixIssueBlocksSensitivePaths) {
  const Policy p = profile_policy("fix-issue");
  for (const char* path : {"/workspace/.env", "/workspace/.env.local", "/workspace/a/b/c.pem",
                           "/workspace/server.key", "/workspace/config/secrets.yaml",
                           "/workspace/id_rsa.pub", "/workspace/.ssh/config",
                           "/workspace/.aws/credentials", "/workspace/.git/config", "/.env"}) {
    EXPECT_EQ(decide(p, Operation::read_files, Target::path(path)).verdict, Verdict::deny) << path;
  }
  for (const char* path : {"/workspace/src/env.cpp", "/workspace/README.md", "/workspace/.gitignore",
                           "/workspace/.git/HEAD", "/workspace/keys.txt"}) {
    EXPECT_EQ(decide(p, Operation::read_files, Target::path(path)).verdict, Verdict::allow) << path;
  }
}

TEST(Profiles, DemoBlocksEveryInterpreter) {
  const Policy p = profile_policy("demo");
  for (const char* program : {"bash", "sh", "dash", "zsh", "fish", "ksh", "python", "python3", "node",
                              "ruby", "perl", "php", "pwsh"}) {
    const Decision d = decide(p, Operation::run_bash, Target::command(std::string(program) + " x"));
    EXPECT_EQ(d.verdict, Verdict::deny) << program << ": " << d.reason;
  }
  for (const char* line : {"ls", "make test", "git status", "cargo build", "grep -r foo ."}) {
    EXPECT_EQ(decide(p, Operation::run_bash, Target::command(line)).verdict, Verdict::allow) << line;
  }
}

TEST(Profiles, PermissiveCannotSwitchOffTrifecta) {
  const Policy p = profile_policy("permissive");
  EXPECT_TRUE(p.envelope().capabilities.obliged(Operation::git_push));
  EXPECT_TRUE(p.envelope().capabilities.obliged(Operation::run_bash));
}

TEST(Profiles, EveryProfileIsNormalized) {
  for (const ProfileInfo& info : profiles()) {
    EXPECT_TRUE(is_normalized(profile_policy(info.name).envelope())) << info.name;
  }
}

TEST(Profiles, ChecksumIsStableAndDistinguishesProfiles) {
  EXPECT_EQ(profile_policy("fix-issue").checksum(), profile_policy("fix-issue").checksum());
  EXPECT_NE(profile_policy("fix-issue").checksum(), profile_policy("demo").checksum());
  EXPECT_EQ(profile_policy("demo").checksum().size(), 64u);
}

}  // namespace
}  // namespace nucleus::policy
