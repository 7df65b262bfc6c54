// verify_audit_log against every kind of tampering, the head file, and the
// hash helpers it is built on.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/audit_log.h"
#include "proxy/audit_verify.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;

constexpr int kRecords = 5;

SecretKey test_key(char fill = 'k') { return SecretKey::from_bytes(std::string(32, fill)).value(); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// Recomputes `hash` and `sig` of an edited record, as someone holding `key`
// (or, with another key, someone pretending to) would.
std::string sign_record(json record, const SecretKey& key) {
  record.erase("hash");
  record.erase("sig");
  const std::string hash = audit_record_hash(record);
  record["hash"] = hash;
  record["sig"] = hmac_sha256_hex(key, hash);
  return record.dump();
}

// Applies `edit` to the parsed line at `index` and re-signs it with `key`.
std::function<void(std::vector<std::string>&)> edit_and_sign(std::size_t index, const SecretKey& key,
                                                             std::function<void(json&)> edit) {
  return [index, edit, key](std::vector<std::string>& lines) {
    json record = json::parse(lines[index]);
    edit(record);
    lines[index] = sign_record(record, key);
  };
}

class AuditVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/audit-verify-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/audit.jsonl";
    auto log = AuditLog::open(path_, key_);
    ASSERT_TRUE(log.ok()) << log.error();
    for (int i = 1; i <= kRecords; ++i) {
      AuditRecord record;
      record.pod = "pod-a";
      record.request_id = "req-" + std::to_string(i);
      record.event = "call";
      record.operation = "run";
      record.args_digest = sha256_hex("args " + std::to_string(i));
      record.decision = AuditDecision::allow;
      record.reason = "allowed";
      record.result = {{"exit_code", 0}};
      ASSERT_TRUE((*log)->append(record).ok());
    }
    original_ = read_text(path_);
    original_head_ = read_text(audit_head_path(path_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
  SecretKey key_ = test_key();
  std::string original_;
  std::string original_head_;
};

TEST_F(AuditVerifyTest, AcceptsUntouchedLog) {
  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, std::uint64_t{kRecords});
  EXPECT_EQ(report.bad_line, 0u);
  EXPECT_EQ(report.problem, "");
  EXPECT_EQ(report.summary(), "ok: 5 records");
  EXPECT_EQ(report.end.file_size, original_.size());
}

struct LineTamper {
  const char* name;
  std::function<void(std::vector<std::string>&)> edit;
  std::uint64_t bad_line;
  std::string problem;  // exact text, or a prefix when it ends in "..."
};

TEST_F(AuditVerifyTest, DetectsTamperedLines) {
  const SecretKey other_key = test_key('x');
  const std::vector<LineTamper> cases = {
      {"edit a field", [](auto& lines) { lines[2].replace(lines[2].find("pod-a"), 5, "pod-b"); }, 3,
       "line 3: hash mismatch (record edited)"},
      {"edit and recompute hash without the key",
       edit_and_sign(2, other_key, [](json& r) { r["decision"] = "deny"; }), 3,
       "line 3: signature invalid (wrong key or forged)"},
      {"delete a line", [](auto& lines) { lines.erase(lines.begin() + 2); }, 3,
       "line 3: prev_hash does not match line 2 (record deleted, inserted or reordered)"},
      {"delete the first line", [](auto& lines) { lines.erase(lines.begin()); }, 1,
       "line 1: prev_hash is not 64 zeros on the first line (records removed from the start)"},
      {"insert a forged line",
       [&other_key](auto& lines) {
         json forged = json::parse(lines[2]);
         forged["request_id"] = "forged";
         lines.insert(lines.begin() + 2, sign_record(forged, other_key));
       },
       3, "line 3: signature invalid (wrong key or forged)"},
      {"insert a copied line", [](auto& lines) { lines.insert(lines.begin() + 2, lines[1]); }, 3,
       "line 3: prev_hash does not match line 2 (record deleted, inserted or reordered)"},
      {"swap two lines", [](auto& lines) { std::swap(lines[2], lines[3]); }, 3,
       "line 3: prev_hash does not match line 2 (record deleted, inserted or reordered)"},
      {"insert a blank line", [](auto& lines) { lines.insert(lines.begin() + 2, ""); }, 3,
       "line 3: empty line"},
      {"reformat a line", [](auto& lines) { lines[2].insert(1, " "); }, 3,
       "line 3: not in canonical form (rewritten after writing)"},
      {"add a field", edit_and_sign(2, key_, [](json& r) { r["note"] = "x"; }), 3,
       "line 3: unexpected field \"note\""},
      {"remove the signature",
       [](auto& lines) {
         json record = json::parse(lines[2]);
         record.erase("sig");
         lines[2] = record.dump();
       },
       3, "line 3: missing field \"sig\""},
      {"wrong seq signed with the key", edit_and_sign(2, key_, [](json& r) { r["seq"] = 9; }), 3,
       "line 3: seq 9 where 3 was expected"},
      {"seq as a string", edit_and_sign(2, key_, [](json& r) { r["seq"] = "3"; }), 3,
       "line 3: field \"seq\" must be a positive integer"},
      {"seq zero", edit_and_sign(0, key_, [](json& r) { r["seq"] = 0; }), 1,
       "line 1: field \"seq\" must be a positive integer"},
      {"unknown decision", edit_and_sign(2, key_, [](json& r) { r["decision"] = "maybe"; }), 3,
       "line 3: field \"decision\" must be allow, approval_required, deny or error"},
      {"result not an object", edit_and_sign(2, key_, [](json& r) { r["result"] = "output"; }), 3,
       "line 3: field \"result\" must be an object"},
      {"malformed time", edit_and_sign(2, key_, [](json& r) { r["time"] = "yesterday"; }), 3,
       "line 3: field \"time\" is not RFC 3339 UTC with milliseconds"},
      {"uppercase hash",
       [](auto& lines) {
         json record = json::parse(lines[2]);
         std::string hash = record["hash"];
         for (char& c : hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         record["hash"] = hash;
         lines[2] = record.dump();
       },
       3, "line 3: field \"hash\" must be 64 lowercase hex digits"},
      {"not an object", [](auto& lines) { lines[0] = "[1,2]"; }, 1, "line 1: not a JSON object"},
      {"garbage line", [](auto& lines) { lines[1] = "this is not json"; }, 2,
       "line 2: malformed JSON at byte ..."},
      {"overlong line", [](auto& lines) { lines[0] = std::string(70000, 'x'); }, 1,
       "line 1: longer than 65536 bytes"},
  };
  for (const LineTamper& test : cases) {
    SCOPED_TRACE(test.name);
    std::vector<std::string> lines = split_lines(original_);
    test.edit(lines);
    write_text(path_, join_lines(lines));

    const AuditVerifyReport report = verify_audit_log(path_, key_);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.bad_line, test.bad_line);
    if (test.problem.ends_with("...")) {
      EXPECT_TRUE(report.problem.starts_with(test.problem.substr(0, test.problem.size() - 3)))
          << report.problem;
    } else {
      EXPECT_EQ(report.problem, test.problem);
    }
    EXPECT_EQ(report.records, test.bad_line - 1) << "records before the bad line still count";
  }
}

struct TextTamper {
  const char* name;
  std::function<void(std::string&)> edit;
  std::uint64_t bad_line;
  std::string problem;
};

TEST_F(AuditVerifyTest, DetectsTruncation) {
  const std::vector<TextTamper> cases = {
      {"cut mid-line", [](std::string& text) { text.resize(text.size() - 10); }, 5,
       "line 5: incomplete last line (truncated)"},
      {"drop the final newline", [](std::string& text) { text.pop_back(); }, 5,
       "line 5: incomplete last line (truncated)"},
      {"drop the last two lines",
       [](std::string& text) {
         std::vector<std::string> lines = split_lines(text);
         lines.resize(lines.size() - 2);
         text = join_lines(lines);
       },
       0, "truncated: the head file records seq 5 but the log ends at seq 3"},
      {"empty the file", [](std::string& text) { text.clear(); }, 0,
       "truncated: the head file records seq 5 but the log ends at seq 0"},
      {"binary garbage without newline", [](std::string& text) { text = std::string("\x00\x01\x02", 3); }, 1,
       "line 1: incomplete last line (truncated)"},
  };
  for (const TextTamper& test : cases) {
    SCOPED_TRACE(test.name);
    std::string text = original_;
    test.edit(text);
    write_text(path_, text);

    const AuditVerifyReport report = verify_audit_log(path_, key_);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.bad_line, test.bad_line);
    EXPECT_EQ(report.problem, test.problem);
  }
}

TEST_F(AuditVerifyTest, RejectsWrongKey) {
  const AuditVerifyReport report = verify_audit_log(path_, test_key('x'));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 1u);
  EXPECT_EQ(report.problem, "line 1: signature invalid (wrong key or forged)");
  EXPECT_EQ(report.records, 0u);
}

TEST_F(AuditVerifyTest, RejectsForgedHeadFile) {
  std::string head = original_head_;
  head.replace(head.find("\"seq\":5"), 7, "\"seq\":4");
  write_text(audit_head_path(path_), head);

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem,
            "head file " + audit_head_path(path_) + ": signature invalid (wrong key or forged)");
}

TEST_F(AuditVerifyTest, RejectsHeadOfAnotherLog) {
  write_text(audit_head_path(path_), serialize_audit_head(AuditHead{5, sha256_hex("another log")}, key_));

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(report.problem.starts_with("the head file records hash " + sha256_hex("another log") +
                                         " for seq 5 but the log has "))
      << report.problem;
}

TEST_F(AuditVerifyTest, RejectsMalformedHeadFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage\n", "malformed JSON at byte"},
      {"{\"seq\":5}\n", "must be {"},
      {original_head_.substr(0, original_head_.size() - 1), "incomplete (no final newline)"},
      {std::string(5000, 'x'), "is larger than 4096 bytes"},
  };
  for (const auto& [head, expected] : cases) {
    SCOPED_TRACE(head.substr(0, 40));
    write_text(audit_head_path(path_), head);
    const AuditVerifyReport report = verify_audit_log(path_, key_);
    EXPECT_FALSE(report.ok);
    EXPECT_NE(report.problem.find(expected), std::string::npos) << report.problem;
  }
}

TEST_F(AuditVerifyTest, WithoutHeadFileChecksChainAndSaysSo) {
  std::filesystem::remove(audit_head_path(path_));
  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("no head file"), std::string::npos) << report.notes[0];
  EXPECT_NE(report.summary().find("note: no head file"), std::string::npos) << report.summary();

  // The documented limit: with the head file gone, a cut tail of whole
  // records passes.
  std::vector<std::string> lines = split_lines(original_);
  lines.resize(3);
  write_text(path_, join_lines(lines));
  EXPECT_TRUE(verify_audit_log(path_, key_).ok);

  // A chain problem is still found.
  std::swap(lines[0], lines[1]);
  write_text(path_, join_lines(lines));
  EXPECT_EQ(verify_audit_log(path_, key_).bad_line, 1u);
}

TEST_F(AuditVerifyTest, AcceptsEmptyLogWithoutHead) {
  write_text(path_, "");
  std::filesystem::remove(audit_head_path(path_));
  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, 0u);
}

TEST_F(AuditVerifyTest, ReportsUnreadablePaths) {
  const AuditVerifyReport missing = verify_audit_log(dir_ + "/missing.jsonl", key_);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.problem, "open(\"" + dir_ + "/missing.jsonl\") failed: No such file or directory");

  const AuditVerifyReport device = verify_audit_log("/dev/null", key_);
  EXPECT_FALSE(device.ok);
  EXPECT_EQ(device.problem, "/dev/null is not a regular file");
}

// Any change of a single byte, anywhere in the log or the head file, fails
// verification.
TEST_F(AuditVerifyTest, DetectsEverySingleByteChange) {
  const std::string head_path = audit_head_path(path_);
  const bool all_detected = rc::check("every single-byte change is detected", [&] {
    const bool in_head = *rc::gen::arbitrary<bool>();
    const std::string& original = in_head ? original_head_ : original_;
    const auto position = *rc::gen::inRange<std::size_t>(0, original.size());
    const auto delta = *rc::gen::inRange<int>(1, 256);
    std::string changed = original;
    changed[position] = static_cast<char>((static_cast<unsigned char>(changed[position]) + delta) % 256);

    write_text(in_head ? head_path : path_, changed);
    const AuditVerifyReport report = verify_audit_log(path_, key_);
    write_text(in_head ? head_path : path_, original);
    RC_ASSERT(!report.ok);
  });
  EXPECT_TRUE(all_detected);
}

TEST(Hmac, MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 6: a key longer than the SHA-256 block.
  const SecretKey key = SecretKey::from_bytes(std::string(131, '\xaa')).value();
  EXPECT_EQ(hmac_sha256_hex(key, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hmac_sha256(key, "x").size(), 32u);
}

TEST(Hmac, RejectsShortKey) {
  auto key = SecretKey::from_bytes(std::string(31, 'k'));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().find("secret key is 31 bytes, at least 32 are required"), std::string::npos)
      << key.error();
  EXPECT_EQ(key.error().find("kkkk"), std::string::npos) << "the message must not repeat the key";
}

TEST(Hmac, ComparesInConstantTime) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
}

TEST(Hmac, RecognizesSha256Hex) {
  EXPECT_TRUE(is_sha256_hex(std::string(64, 'f')));
  EXPECT_TRUE(is_sha256_hex(sha256_hex("x")));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'F')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(65, 'a')));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'g')));
  EXPECT_EQ(to_hex(std::string("\x00\xff\x10", 3)), "00ff10");
}

}  // namespace
}  // namespace nucleus::proxy
