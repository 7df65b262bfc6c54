// AuditLog: appending, the line format, reopening, locking, concurrent
// appends and failed writes on real files.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/audit_log.h"
#include "proxy/audit_verify.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;

SecretKey test_key(char fill = 'k') { return SecretKey::from_bytes(std::string(32, fill)).value(); }

AuditRecord sample_record(const std::string& request_id) {
  AuditRecord record;
  record.pod = "pod-a";
  record.request_id = request_id;
  record.event = "call";
  record.operation = "read_files";
  record.args_digest = std::string(64, 'a');
  record.decision = AuditDecision::allow;
  record.reason = "allowed by policy";
  record.result = {{"bytes", 4096}};
  return record;
}

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

std::vector<json> read_records(const std::string& path) {
  std::vector<json> records;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) records.push_back(json::parse(line));
  return records;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/audit-log-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/audit.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AuditLog> open_log() {
    auto log = AuditLog::open(path_, key_);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error());
    return log.ok() ? std::move(log).value() : nullptr;
  }

  void append_records(AuditLog& log, int count) {
    for (int i = 0; i < count; ++i) {
      auto receipt = log.append(sample_record("req-" + std::to_string(i)));
      ASSERT_TRUE(receipt.ok()) << receipt.error();
    }
  }

  std::string dir_;
  std::string path_;
  SecretKey key_ = test_key();
};

TEST_F(AuditLogTest, WritesVerifiableChain) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 5);

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, 5u);
  EXPECT_TRUE(report.notes.empty()) << report.summary();
}

TEST_F(AuditLogTest, RecordsHaveDocumentedFields) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 3);

  const std::vector<json> records = read_records(path_);
  ASSERT_EQ(records.size(), 3u);
  const json& first = records[0];
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["pod"], "pod-a");
  EXPECT_EQ(first["request_id"], "req-0");
  EXPECT_EQ(first["event"], "call");
  EXPECT_EQ(first["operation"], "read_files");
  EXPECT_EQ(first["args_digest"], std::string(64, 'a'));
  EXPECT_EQ(first["decision"], "allow");
  EXPECT_EQ(first["reason"], "allowed by policy");
  EXPECT_EQ(first["result"], json({{"bytes", 4096}}));
  EXPECT_EQ(first["prev_hash"], std::string(64, '0'));
  EXPECT_EQ(first.size(), 13u) << first.dump();
  EXPECT_EQ(records[1]["seq"], 2);
  EXPECT_EQ(records[2]["seq"], 3);

  const std::string time = first["time"];
  EXPECT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.back(), 'Z') << time;
  EXPECT_EQ(time[10], 'T') << time;
  EXPECT_EQ(time[19], '.') << time;
}

TEST_F(AuditLogTest, LinesAreCanonicalAndChained) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 3);

  std::istringstream in(read_text(path_));
  std::string previous_line;
  for (std::string line; std::getline(in, line);) {
    const json record = json::parse(line);
    EXPECT_EQ(record.dump(), line) << "line is not nlohmann's sorted-key dump";
    json body = record;
    body.erase("hash");
    body.erase("sig");
    EXPECT_EQ(record["hash"], sha256_hex(body.dump()));
    EXPECT_EQ(record["sig"], hmac_sha256_hex(key_, record["hash"].get<std::string>()));
    const std::string expected_prev =
        previous_line.empty() ? std::string(64, '0') : sha256_hex(previous_line);
    EXPECT_EQ(record["prev_hash"], expected_prev);
    previous_line = line;
  }
}

TEST_F(AuditLogTest, ReceiptMatchesWrittenRecord) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  auto receipt = log->append(sample_record("only"));
  ASSERT_TRUE(receipt.ok()) << receipt.error();

  const std::vector<json> records = read_records(path_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(receipt->seq, 1u);
  EXPECT_EQ(receipt->hash, records[0]["hash"]);
  EXPECT_EQ(log->end().seq, 1u);
  EXPECT_EQ(log->end().record_hash, receipt->hash);
}

TEST_F(AuditLogTest, CreatesFilesWithOwnerOnlyMode) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 1);

  for (const std::string& path : {path_, audit_head_path(path_)}) {
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
  }
}

TEST_F(AuditLogTest, HeadFileTracksLastRecord) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 4);

  auto head = parse_audit_head(read_text(audit_head_path(path_)), key_);
  ASSERT_TRUE(head.ok()) << head.error();
  EXPECT_EQ(head->seq, 4u);
  EXPECT_EQ(head->hash, log->end().record_hash);
}

TEST_F(AuditLogTest, NewLogWritesHeadOnFirstAppend) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  // An empty log needs no head: opening it costs no fsync.
  EXPECT_FALSE(std::filesystem::exists(audit_head_path(path_)));

  append_records(*log, 1);
  auto head = parse_audit_head(read_text(audit_head_path(path_)), key_);
  ASSERT_TRUE(head.ok()) << head.error();
  EXPECT_EQ(head->seq, 1u);
  EXPECT_EQ(head->hash, log->end().record_hash);
}

TEST_F(AuditLogTest, ReopenContinuesChain) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 3);
  }
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->end().seq, 3u);
  auto receipt = log->append(sample_record("after-reopen"));
  ASSERT_TRUE(receipt.ok()) << receipt.error();
  EXPECT_EQ(receipt->seq, 4u);

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, 4u);
}

TEST_F(AuditLogTest, ReopenRefusesEditedLog) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 3);
  }
  std::string text = read_text(path_);
  const std::size_t at = text.find("req-1");
  ASSERT_NE(at, std::string::npos);
  text[at + 4] = '9';
  write_text(path_, text);

  auto log = AuditLog::open(path_, key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("failed verification"), std::string::npos) << log.error();
  EXPECT_NE(log.error().find("line 2: hash mismatch"), std::string::npos) << log.error();
  EXPECT_EQ(read_text(path_), text) << "a refused open must not touch the log";
}

TEST_F(AuditLogTest, ReopenRefusesCutTail) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 3);
  }
  std::string text = read_text(path_);
  text.erase(text.rfind('\n', text.size() - 2) + 1);
  write_text(path_, text);

  auto log = AuditLog::open(path_, key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("truncated: the head file records seq 3 but the log ends at seq 2"),
            std::string::npos)
      << log.error();
}

TEST_F(AuditLogTest, ReopenRefusesIncompleteLastLine) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 2);
  }
  std::string text = read_text(path_);
  text.resize(text.size() - 7);
  write_text(path_, text);

  auto log = AuditLog::open(path_, key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("line 2: incomplete last line (truncated)"), std::string::npos) << log.error();
}

TEST_F(AuditLogTest, ReopenRefusesWrongKey) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 1);
  }
  auto log = AuditLog::open(path_, test_key('x'));
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("line 1: signature invalid (wrong key or forged)"), std::string::npos)
      << log.error();
}

TEST_F(AuditLogTest, ReopenRefusesRecordsWithoutHeadFile) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 2);
  }
  std::filesystem::remove(audit_head_path(path_));

  auto log = AuditLog::open(path_, key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("no head file"), std::string::npos) << log.error();
}

TEST_F(AuditLogTest, ReopenBringsLaggingHeadLevel) {
  std::string old_head;
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    append_records(*log, 2);
    old_head = read_text(audit_head_path(path_));
    append_records(*log, 2);
  }
  // As if the writer stopped after writing records 3 and 4 but before
  // replacing the head file.
  write_text(audit_head_path(path_), old_head);
  const AuditVerifyReport lagging = verify_audit_log(path_, key_);
  EXPECT_TRUE(lagging.ok) << lagging.summary();
  ASSERT_EQ(lagging.notes.size(), 1u) << lagging.summary();
  EXPECT_NE(lagging.notes[0].find("records seq 2 but the log continues to seq 4"), std::string::npos)
      << lagging.notes[0];

  auto log = open_log();
  ASSERT_NE(log, nullptr);
  const AuditVerifyReport level = verify_audit_log(path_, key_);
  EXPECT_TRUE(level.ok) << level.summary();
  EXPECT_TRUE(level.notes.empty()) << level.summary();
  ASSERT_TRUE(level.head.has_value());
  EXPECT_EQ(level.head->seq, 4u);
}

TEST_F(AuditLogTest, SecondWriterIsRejected) {
  auto first = open_log();
  ASSERT_NE(first, nullptr);
  auto second = AuditLog::open(path_, key_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("locked by another writer"), std::string::npos) << second.error();

  first.reset();
  auto third = AuditLog::open(path_, key_);
  EXPECT_TRUE(third.ok()) << "the lock must be released with the log";
}

TEST_F(AuditLogTest, RejectsNonRegularFile) {
  auto log = AuditLog::open("/dev/full", key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("not a regular file"), std::string::npos) << log.error();
}

TEST_F(AuditLogTest, ReportsMissingDirectory) {
  auto log = AuditLog::open(dir_ + "/missing/audit.jsonl", key_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("open(\"" + dir_ + "/missing/audit.jsonl\") failed: No such file or directory"),
            std::string::npos)
      << log.error();
}

TEST_F(AuditLogTest, RejectsInvalidRecords) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);

  struct Case {
    const char* name;
    std::function<void(AuditRecord&)> mutate;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"uppercase digest", [](AuditRecord& r) { r.args_digest = std::string(64, 'A'); }, "args_digest"},
      {"short digest", [](AuditRecord& r) { r.args_digest = "abc"; }, "args_digest"},
      {"result array",
       [](AuditRecord& r) {
         r.result = json::array({1, 2});
       },
       "result must be a JSON object"},
      {"result string", [](AuditRecord& r) { r.result = "file contents"; }, "result must be a JSON object"},
      {"large result",
       [](AuditRecord& r) {
         r.result = {{"output", std::string(2000, 'x')}};
       },
       "limit is 1024"},
      {"empty event", [](AuditRecord& r) { r.event.clear(); }, "empty event"},
      {"huge reason", [](AuditRecord& r) { r.reason = std::string(70000, 'r'); }, "limit is 65536"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    AuditRecord record = sample_record("bad");
    test.mutate(record);
    auto receipt = log->append(record);
    ASSERT_FALSE(receipt.ok());
    EXPECT_NE(receipt.error().find(test.expected), std::string::npos) << receipt.error();
  }
  EXPECT_EQ(log->end().seq, 0u);
  EXPECT_EQ(read_text(path_), "");
}

TEST_F(AuditLogTest, AcceptsEventWithoutArguments) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  AuditRecord record = sample_record("policy");
  record.event = "policy_tightened";
  record.operation.clear();
  record.args_digest.clear();
  record.result = json::object();
  ASSERT_TRUE(log->append(record).ok());

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
}

TEST_F(AuditLogTest, ReplacesInvalidUtf8AndStaysVerifiable) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  AuditRecord record = sample_record("bad-\xff-utf8");
  record.reason = "name \xc3\x28 and \"quotes\" and \n newline";
  record.result = {{"ratio", 0.1}, {"path_bytes", -3}};
  ASSERT_TRUE(log->append(record).ok());
  ASSERT_TRUE(log->append(sample_record("next")).ok());

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  const std::vector<json> records = read_records(path_);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["request_id"], "bad-\xef\xbf\xbd-utf8");
}

TEST_F(AuditLogTest, ConcurrentAppendsLandInOrder) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  auto log = open_log();
  ASSERT_NE(log, nullptr);

  std::vector<std::vector<std::uint64_t>> seqs(kThreads);
  std::vector<std::string> failures(kThreads);
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto receipt = log->append(sample_record(std::to_string(t) + ":" + std::to_string(i)));
          if (!receipt.ok()) {
            failures[t] = receipt.error();
            return;
          }
          seqs[t].push_back(receipt->seq);
        }
      });
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::cout << "16 threads x 100 appends took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
  for (int t = 0; t < kThreads; ++t) ASSERT_EQ(failures[t], "") << "thread " << t;

  const AuditVerifyReport report = verify_audit_log(path_, key_);
  ASSERT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, std::uint64_t{kThreads * kPerThread});

  // Each receipt names the line holding that thread's record, and each
  // thread's records appear in the order it appended them.
  const std::vector<json> records = read_records(path_);
  std::map<int, int> next_index;
  for (const json& record : records) {
    const std::string id = record["request_id"];
    const int thread = std::stoi(id.substr(0, id.find(':')));
    const int index = std::stoi(id.substr(id.find(':') + 1));
    EXPECT_EQ(index, next_index[thread]) << id;
    next_index[thread] = index + 1;
    EXPECT_EQ(seqs[thread][index], record["seq"].get<std::uint64_t>()) << id;
  }
}

// Sets RLIMIT_FSIZE so writes past `limit` bytes fail with EFBIG, and restores
// it on destruction. SIGXFSZ is ignored meanwhile, as it would end the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t limit) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    saved_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = limit;
    ::setrlimit(RLIMIT_FSIZE, &lowered);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t saved_handler_ = SIG_DFL;
};

TEST_F(AuditLogTest, FailedWriteLeavesChainUnchanged) {
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  append_records(*log, 2);
  const AuditChainEnd before = log->end();
  const std::string text_before = read_text(path_);

  // Room for none of the line, then for part of it (a short write).
  for (const std::size_t room : {std::size_t{0}, std::size_t{40}}) {
    SCOPED_TRACE("room " + std::to_string(room));
    Result<AuditReceipt> failed = make_error("not run");
    {
      FileSizeLimit limit(static_cast<rlim_t>(text_before.size() + room));
      failed = log->append(sample_record("too-big"));
    }
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().find("write(\"" + path_ + "\") failed: File too large"), std::string::npos)
        << failed.error();
    EXPECT_EQ(log->end().seq, before.seq);
    EXPECT_EQ(log->end().line_hash, before.line_hash);
    EXPECT_EQ(read_text(path_), text_before) << "the partial line must be cut off";
  }

  auto receipt = log->append(sample_record("after-failure"));
  ASSERT_TRUE(receipt.ok()) << receipt.error();
  EXPECT_EQ(receipt->seq, 3u);
  const AuditVerifyReport report = verify_audit_log(path_, key_);
  EXPECT_TRUE(report.ok) << report.summary();
  EXPECT_EQ(report.records, 3u);
}

TEST(AuditTime, FormatsUtcWithMilliseconds) {
  using namespace std::chrono;
  const system_clock::time_point time = sys_days{year{2024} / 5 / 1} + 12h + 34min + 56s + 789ms;
  EXPECT_EQ(format_utc_millis(time), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(format_utc_millis(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_millis(sys_days{year{1999} / 12 / 31} + 23h + 59min + 59s + 999999us),
            "1999-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace nucleus::proxy
