// `nucleus audit verify` against real logs written by AuditLog.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "proxy/audit_log.h"

namespace {

namespace fs = std::filesystem;
using nucleus::proxy::AuditLog;
using nucleus::proxy::AuditRecord;
using nucleus::proxy::SecretKey;

struct Outcome {
  int status = -1;
  std::string output;
};

Outcome verify(const std::string& log, const std::string& key) {
  const std::string line = std::string(NUCLEUS_BINARY) + " audit verify '" + log + "' --key-file '" + key + "' 2>&1";
  Outcome outcome;
  FILE* pipe = popen(line.c_str(), "r");
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) outcome.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return outcome;
}

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("nucleus-audit-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_key(key_path(), std::string(40, 'k'));
    write_key(dir_ / "other.key", std::string(40, 'z'));
    auto log = AuditLog::open(log_path(), SecretKey::from_bytes(std::string(40, 'k')).value());
    ASSERT_TRUE(log.ok()) << log.error();
    for (int i = 0; i < 3; ++i) {
      AuditRecord record;
      record.pod = "p";
      record.request_id = std::to_string(i);
      record.event = "call";
      record.operation = "read_files";
      record.reason = "test";
      ASSERT_TRUE((*log)->append(record).ok());
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write_key(const fs::path& path, const std::string& bytes) {
    std::ofstream(path) << bytes;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  }
  std::string log_path() const { return (dir_ / "audit.log").string(); }
  fs::path key_path() const { return dir_ / "audit.key"; }

  fs::path dir_;
};

TEST_F(AuditCli, IntactLogVerifies) {
  const Outcome outcome = verify(log_path(), key_path().string());
  EXPECT_EQ(outcome.status, 0) << outcome.output;
}

TEST_F(AuditCli, EditedLineIsNamed) {
  std::ifstream in(log_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  const auto at = content.find("\"request_id\":\"1\"");
  ASSERT_NE(at, std::string::npos);
  content.replace(at, 16, "\"request_id\":\"9\"");
  std::ofstream(log_path(), std::ios::trunc) << content;
  const Outcome outcome = verify(log_path(), key_path().string());
  EXPECT_EQ(outcome.status, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("line 2"), std::string::npos) << outcome.output;
}

TEST_F(AuditCli, WrongKeyFails) {
  const Outcome outcome = verify(log_path(), (dir_ / "other.key").string());
  EXPECT_EQ(outcome.status, 1) << outcome.output;
}

TEST_F(AuditCli, MissingKeyFileIsUsageError) {
  const Outcome outcome = verify(log_path(), (dir_ / "absent.key").string());
  EXPECT_EQ(outcome.status, 2) << outcome.output;
}

TEST_F(AuditCli, WorldReadableKeyIsRefused) {
  fs::permissions(key_path(), fs::perms::others_read, fs::perm_options::add);
  const Outcome outcome = verify(log_path(), key_path().string());
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("chmod 600"), std::string::npos) << outcome.output;
}

}  // namespace

namespace {

TEST_F(AuditCli, MissingLogIsUsageError) {
  const Outcome outcome = verify((dir_ / "absent.log").string(), key_path().string());
  EXPECT_EQ(outcome.status, 2) << outcome.output;
  EXPECT_NE(outcome.output.find("does not exist"), std::string::npos) << outcome.output;
}

}  // namespace
