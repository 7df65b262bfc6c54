// launch.json round trips and its adversarial inputs: the supervisor runs
// as root on whatever the file contains, so every field is checked.
#include "sandbox/launch_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sandbox/rootfs.h"
#include "sandbox/sandbox_id.h"

namespace nucleus::sandbox {
namespace {

using nlohmann::json;

LaunchConfig sample() {
  LaunchConfig c;
  c.id = "pod-1";
  c.dir = "/var/lib/nucleus/sandboxes/pod-1";
  c.work_dir = "/workspace";
  c.uid_base = 0x10000000;
  c.cgroup_parent = "nucleus";
  c.proxy_binary = "/usr/bin/nucleus-tool-proxy";
  c.proxy_args = {"--socket", "/run/nucleus/proxy.sock"};
  c.egress = true;
  return c;
}

TEST(LaunchConfig, RoundTrips) {
  const auto parsed = launch_config_from_json(launch_config_to_json(sample()));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->id, "pod-1");
  EXPECT_EQ(parsed->uid_base, 0x10000000U);
  EXPECT_EQ(parsed->proxy_args, sample().proxy_args);
  EXPECT_TRUE(parsed->egress);
  EXPECT_EQ(parsed->limits.memory_bytes, Limits{}.memory_bytes);
}

TEST(LaunchConfig, RejectsBadFields) {
  struct Case {
    std::string field;
    json value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"id", "../etc", "outside [a-z0-9-]"},
      {"id", 7, "wrong type"},
      {"dir", "relative/dir", "absolute path"},
      {"work_dir", "/", "below /"},
      {"work_dir", "/a/../../etc", "below /"},
      {"root_dir", "usr", "absolute path"},
      {"proxy_binary", "nucleus-tool-proxy", "absolute path"},
      {"uid_base", 0, "host root"},
      {"uid_base", -1, "out of range"},
      {"uid_base", 4294967295LL, "out of range"},
      {"egress", "yes", "wrong type"},
      {"proxy_args", "--socket x", "wrong type"},
  };
  for (const auto& c : cases) {
    json doc = json::parse(launch_config_to_json(sample()));
    doc[c.field] = c.value;
    const auto parsed = launch_config_from_json(doc.dump());
    ASSERT_FALSE(parsed) << c.field;
    EXPECT_NE(parsed.error().find(c.expected), std::string::npos) << c.field << ": " << parsed.error();
  }
  json doc = json::parse(launch_config_to_json(sample()));
  doc.erase("limits");
  EXPECT_FALSE(launch_config_from_json(doc.dump()));
  EXPECT_FALSE(launch_config_from_json("not json"));
  EXPECT_FALSE(launch_config_from_json("[]"));
}

TEST(SandboxId, AcceptsTheSafeAlphabetOnly) {
  EXPECT_TRUE(check_sandbox_id("a"));
  EXPECT_TRUE(check_sandbox_id("pod-0123-abc"));
  EXPECT_TRUE(check_sandbox_id(std::string(64, 'z')));
  const std::vector<std::string> bad_ids = {"", "-a", "A", "a_b", "a.b", "a/b", "a b", std::string("a\0b", 3), "\xc3\xa9"};
  for (const auto& bad : bad_ids) {
    EXPECT_FALSE(check_sandbox_id(bad)) << bad;
  }
  const auto long_id = check_sandbox_id(std::string(100, 'x'));
  ASSERT_FALSE(long_id);
  EXPECT_NE(long_id.error().find("...\""), std::string::npos) << long_id.error();
  const auto control = check_sandbox_id("a\nb");
  ASSERT_FALSE(control);
  EXPECT_NE(control.error().find("\\x0a"), std::string::npos) << control.error();
}

TEST(GeneratedEtc, NamesTheSandboxUsers) {
  const std::string passwd = generated_passwd("/home/agent/src");
  EXPECT_NE(passwd.find("agent:x:1000:1000:agent:/home/agent/src:/bin/sh\n"), std::string::npos) << passwd;
  EXPECT_NE(passwd.find("root:x:0:0:"), std::string::npos);
  EXPECT_NE(generated_group().find("agent:x:1000:"), std::string::npos);
}

}  // namespace
}  // namespace nucleus::sandbox
