// `nucleus audit verify POD` against the fake node: the hash chain of a log
// written by AuditLog, checked without the key.
#include <sstream>

#include "cli/audit_chain.h"
#include "node_cli_harness.h"
#include "proxy/audit_log.h"

namespace nucleus::cli::testing {
namespace {

std::string write_audit_log(const std::filesystem::path& path, int records) {
  auto log = proxy::AuditLog::open(path.string(), proxy::SecretKey::from_bytes(std::string(40, 'k')).value());
  EXPECT_TRUE(log.ok()) << log.error();
  for (int i = 0; i < records; ++i) {
    proxy::AuditRecord record;
    record.pod = "abc";
    record.request_id = std::to_string(i);
    record.event = "call";
    record.operation = "read_files";
    record.reason = "test";
    EXPECT_TRUE((*log)->append(record).ok());
  }
  return read_file(path);
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(AuditChain, DetectsEachBreak) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("nucleus-chain-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string log = write_audit_log(dir / "audit.log", 3);
  std::filesystem::remove_all(dir);

  const AuditChainReport intact = check_audit_chain(log);
  EXPECT_TRUE(intact.ok) << intact.problem;
  EXPECT_EQ(intact.records, 3u);
  EXPECT_TRUE(check_audit_chain("").ok);

  const std::size_t first_end = log.find('\n') + 1;
  struct Case {
    std::string name;
    std::string text;
    std::uint64_t bad_line;
  };
  const std::vector<Case> cases = {
      {"edited", replace_once(log, "\"request_id\":\"1\"", "\"request_id\":\"9\""), 2},
      {"first removed", log.substr(first_end), 1},
      {"truncated", log.substr(0, log.size() - 5), 3},
      {"not json", log + "garbage\n", 4},
      {"reformatted", replace_once(log, "{", "{ "), 1},
  };
  for (const Case& c : cases) {
    const AuditChainReport report = check_audit_chain(c.text);
    EXPECT_FALSE(report.ok) << c.name;
    EXPECT_EQ(report.bad_line, c.bad_line) << c.name << ": " << report.problem;
  }
}

TEST_F(NodeCli, AuditVerifyPodUsesNodeAndChain) {
  node_.add_pod("abc");
  const std::string log = write_audit_log(dir_ / "audit.log", 3);
  node_.set_audit("abc", log);
  const CliRun ok = nucleus({"audit", "verify", "abc"});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_TRUE(contains(ok.stdout_text, "audit ok: 3 records")) << ok.output;
  EXPECT_TRUE(contains(ok.stdout_text, "signatures checked by the node")) << ok.output;

  // The node vouches for its log, but the log as served has a broken chain.
  node_.set_audit("abc", replace_once(log, "\"request_id\":\"1\"", "\"request_id\":\"9\""));
  const CliRun broken = nucleus({"audit", "verify", "abc", "--json"});
  EXPECT_EQ(broken.status, 1) << broken.output;
  const auto report = nlohmann::json::parse(broken.stdout_text);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["chain"]["ok"], false);
  EXPECT_EQ(report["node"]["signatures_checked"], true);

  node_.set_audit("abc", log);
  node_.set_audit_problem("abc", "line 2: signature mismatch");
  const CliRun forged = nucleus({"audit", "verify", "abc"});
  EXPECT_EQ(forged.status, 1) << forged.output;
  EXPECT_TRUE(contains(forged.stdout_text, "audit FAILED: line 2: signature mismatch")) << forged.output;
}

TEST_F(NodeCli, AuditVerifyArgumentKinds) {
  const auto log = dir_ / "audit.log";
  write_audit_log(log, 1);
  const CliRun no_key = nucleus({"audit", "verify", log.string()});
  EXPECT_EQ(no_key.status, 2) << no_key.output;
  EXPECT_TRUE(contains(no_key.stderr_text, "--key-file is required")) << no_key.output;

  const CliRun unknown = nucleus({"audit", "verify", "nope"});
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_TRUE(contains(unknown.stderr_text, "pod_not_found")) << unknown.output;
  EXPECT_EQ(node_.requests().size(), 1u);
}

}  // namespace
}  // namespace nucleus::cli::testing
