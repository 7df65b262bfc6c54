#include "proxy/audit_verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace nucleus::proxy {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxHeadBytes = 4096;

constexpr std::array<std::string_view, 13> kRecordFields = {
    "args_digest", "decision",   "event",  "hash", "operation", "pod", "prev_hash",
    "reason",      "request_id", "result", "seq",  "sig",       "time"};

constexpr std::array<std::string_view, 7> kStringFields = {"event",      "operation", "pod",     "reason",
                                                           "request_id", "time",      "decision"};

// Checks "YYYY-MM-DDTHH:MM:SS.mmmZ" character classes only; the signature
// already vouches for the writer, so this catches writer bugs, not forgeries.
bool is_utc_millis(std::string_view text) {
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kPattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool want_digit = kPattern[i] == 'd';
    const bool is_digit = text[i] >= '0' && text[i] <= '9';
    if (want_digit ? !is_digit : text[i] != kPattern[i]) return false;
  }
  return true;
}

bool is_decision(std::string_view text) {
  return text == "allow" || text == "approval_required" || text == "deny" || text == "error";
}

// Returns what is wrong with the record's field set and types, if anything.
std::optional<std::string> check_fields(const json& record) {
  for (std::string_view field : kRecordFields) {
    if (!record.contains(field)) return fmt::format("missing field \"{}\"", field);
  }
  for (const auto& [key, value] : record.items()) {
    bool known = false;
    for (std::string_view field : kRecordFields) known = known || key == field;
    if (!known) return fmt::format("unexpected field \"{}\"", key);
  }
  if (!record["seq"].is_number_unsigned() || record["seq"].get<std::uint64_t>() == 0) {
    return std::string("field \"seq\" must be a positive integer");
  }
  for (std::string_view field : kStringFields) {
    if (!record[field].is_string()) return fmt::format("field \"{}\" must be a string", field);
  }
  if (!is_utc_millis(record["time"].get_ref<const std::string&>())) {
    return std::string("field \"time\" is not RFC 3339 UTC with milliseconds");
  }
  if (!is_decision(record["decision"].get_ref<const std::string&>())) {
    return std::string("field \"decision\" must be allow, approval_required, deny or error");
  }
  if (!record["result"].is_object()) return std::string("field \"result\" must be an object");
  for (std::string_view field : {"prev_hash", "hash", "sig"}) {
    const json& value = record[field];
    if (!value.is_string() || !is_sha256_hex(value.get_ref<const std::string&>())) {
      return fmt::format("field \"{}\" must be 64 lowercase hex digits", field);
    }
  }
  const json& digest = record["args_digest"];
  if (!digest.is_string() || !(digest.get_ref<const std::string&>().empty() ||
                               is_sha256_hex(digest.get_ref<const std::string&>()))) {
    return std::string("field \"args_digest\" must be 64 lowercase hex digits or empty");
  }
  return std::nullopt;
}

// Follows the chain one line at a time and remembers where it ends.
class ChainChecker {
 public:
  ChainChecker(const SecretKey& secret, std::uint64_t watched_seq)
      : secret_(secret), watched_seq_(watched_seq) {}

  // Returns what is wrong with the next line (without its "\n"), or nullopt
  // after advancing the chain past it.
  std::optional<std::string> check_line(std::string_view line);

  const AuditChainEnd& end() const { return end_; }
  // The record hash at the watched seq, once the chain has reached it.
  const std::optional<std::string>& watched_hash() const { return watched_hash_; }

 private:
  std::optional<std::string> check_chain_link(const json& record) const;

  const SecretKey& secret_;
  const std::uint64_t watched_seq_;
  std::optional<std::string> watched_hash_ =
      watched_seq_ == 0 ? std::optional<std::string>(std::string(64, '0')) : std::nullopt;
  AuditChainEnd end_;
};

std::optional<std::string> ChainChecker::check_line(std::string_view line) {
  if (line.empty()) return std::string("empty line");
  if (line.size() > AuditLog::kMaxLineBytes) {
    return fmt::format("longer than {} bytes", AuditLog::kMaxLineBytes);
  }
  json record;
  try {
    record = json::parse(line);
  } catch (const json::parse_error& error) {
    return fmt::format("malformed JSON at byte {}", error.byte);
  }
  if (!record.is_object()) return std::string("not a JSON object");
  if (auto problem = check_fields(record)) return problem;

  const std::string& hash = record["hash"].get_ref<const std::string&>();
  json body = record;
  body.erase("hash");
  body.erase("sig");
  if (audit_record_hash(body) != hash) return std::string("hash mismatch (record edited)");
  if (!constant_time_equal(hmac_sha256_hex(secret_, hash), record["sig"].get_ref<const std::string&>())) {
    return std::string("signature invalid (wrong key or forged)");
  }
  // The next prev_hash covers these exact bytes, so a line that parses to the
  // right record but is spelled differently (spacing, key order, duplicate
  // keys) was rewritten after it was signed.
  if (record.dump() != line) return std::string("not in canonical form (rewritten after writing)");
  if (auto problem = check_chain_link(record)) return problem;

  end_.seq = record["seq"].get<std::uint64_t>();
  end_.record_hash = hash;
  end_.line_hash = sha256_hex(line);
  end_.file_size += line.size() + 1;
  if (end_.seq == watched_seq_) watched_hash_ = hash;
  return std::nullopt;
}

std::optional<std::string> ChainChecker::check_chain_link(const json& record) const {
  if (record["prev_hash"].get_ref<const std::string&>() != end_.line_hash) {
    if (end_.seq == 0) {
      return std::string("prev_hash is not 64 zeros on the first line (records removed from the start)");
    }
    return fmt::format("prev_hash does not match line {} (record deleted, inserted or reordered)", end_.seq);
  }
  const auto seq = record["seq"].get<std::uint64_t>();
  if (seq != end_.seq + 1) return fmt::format("seq {} where {} was expected", seq, end_.seq + 1);
  return std::nullopt;
}

void fail(AuditVerifyReport& report, std::uint64_t line, const std::string& problem) {
  report.bad_line = line;
  report.problem = line == 0 ? problem : fmt::format("line {}: {}", line, problem);
}

// Feeds every line of the file to `checker`. Returns false after recording
// the first problem in `report`.
bool scan_lines(int fd, const std::string& path, ChainChecker& checker, AuditVerifyReport& report) {
  std::string line;
  std::vector<char> buffer(64 * 1024);
  off_t offset = 0;
  std::uint64_t line_number = 0;
  for (;;) {
    const ssize_t count = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      fail(report, 0, syscall_error("pread", path));
      return false;
    }
    if (count == 0) break;
    offset += count;
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(count));
    while (!chunk.empty()) {
      const std::size_t newline = chunk.find('\n');
      line.append(chunk.substr(0, newline));
      if (line.size() > AuditLog::kMaxLineBytes) {
        fail(report, line_number + 1, fmt::format("longer than {} bytes", AuditLog::kMaxLineBytes));
        return false;
      }
      if (newline == std::string_view::npos) break;
      chunk.remove_prefix(newline + 1);
      ++line_number;
      if (auto problem = checker.check_line(line)) {
        fail(report, line_number, *problem);
        return false;
      }
      line.clear();
    }
  }
  if (!line.empty()) {
    fail(report, line_number + 1, "incomplete last line (truncated)");
    return false;
  }
  return true;
}

struct HeadFile {
  bool missing = false;
  std::optional<AuditHead> head;
  std::string problem;
};

HeadFile read_head_file(const std::string& head_path, const SecretKey& secret) {
  HeadFile out;
  UniqueFd fd(::open(head_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      out.missing = true;
    } else {
      out.problem = syscall_error("open", head_path);
    }
    return out;
  }

  std::string text(kMaxHeadBytes + 1, '\0');
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t count = ::read(fd.get(), text.data() + filled, text.size() - filled);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      out.problem = syscall_error("read", head_path);
      return out;
    }
    if (count == 0) break;
    filled += static_cast<std::size_t>(count);
  }
  if (filled > kMaxHeadBytes) {
    out.problem = fmt::format("head file {} is larger than {} bytes", head_path, kMaxHeadBytes);
    return out;
  }
  text.resize(filled);

  Result<AuditHead> head = parse_audit_head(text, secret);
  if (!head) {
    out.problem = fmt::format("head file {}: {}", head_path, head.error());
    return out;
  }
  out.head = std::move(head).value();
  return out;
}

// Compares the verified chain with an authentic head file.
void compare_with_head(const AuditHead& head, const ChainChecker& checker, AuditVerifyReport& report) {
  const AuditChainEnd& end = checker.end();
  if (head.seq > end.seq) {
    fail(
        report, 0,
        fmt::format("truncated: the head file records seq {} but the log ends at seq {}", head.seq, end.seq));
    return;
  }
  const std::string& line_hash = *checker.watched_hash();
  if (line_hash != head.hash) {
    fail(report, 0,
         fmt::format("the head file records hash {} for seq {} but the log has {} there (log rewritten, or "
                     "the head file belongs to another log)",
                     head.hash, head.seq, line_hash));
    return;
  }
  if (head.seq < end.seq) {
    report.notes.push_back(fmt::format(
        "the head file records seq {} but the log continues to seq {}, as after a stop between writing "
        "records and replacing the head file; a cut tail after seq {} cannot be detected",
        head.seq, end.seq, head.seq));
  }
  report.ok = true;
}

}  // namespace

std::string audit_head_path(const std::string& log_path) { return log_path + ".head"; }

std::string audit_record_hash(const json& body) {
  return sha256_hex(body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string serialize_audit_head(const AuditHead& head, const SecretKey& secret) {
  json signed_part = {{"hash", head.hash}, {"seq", head.seq}};
  json line = signed_part;
  line["sig"] = hmac_sha256_hex(secret, signed_part.dump());
  return line.dump() + "\n";
}

Result<AuditHead> parse_audit_head(std::string_view text, const SecretKey& secret) {
  if (text.empty() || text.back() != '\n') return make_error("incomplete (no final newline)");
  text.remove_suffix(1);
  json head;
  try {
    head = json::parse(text);
  } catch (const json::parse_error& error) {
    return make_error(fmt::format("malformed JSON at byte {}", error.byte));
  }
  const bool shape_ok = head.is_object() && head.size() == 3 && head.contains("seq") &&
                        head["seq"].is_number_unsigned() && head.contains("hash") &&
                        head["hash"].is_string() &&
                        is_sha256_hex(head["hash"].get_ref<const std::string&>()) && head.contains("sig") &&
                        head["sig"].is_string();
  if (!shape_ok) {
    return make_error("must be {\"hash\": 64 hex digits, \"seq\": integer, \"sig\": 64 hex digits}");
  }
  json signed_part = {{"hash", head["hash"]}, {"seq", head["seq"]}};
  if (!constant_time_equal(hmac_sha256_hex(secret, signed_part.dump()),
                           head["sig"].get_ref<const std::string&>())) {
    return make_error("signature invalid (wrong key or forged)");
  }
  return AuditHead{head["seq"].get<std::uint64_t>(), head["hash"].get<std::string>()};
}

std::string AuditVerifyReport::summary() const {
  std::string out = ok ? fmt::format("ok: {} records", records) : problem;
  for (const std::string& note : notes) out += "\nnote: " + note;
  return out;
}

AuditVerifyReport verify_audit_fd(int fd, const std::string& path, const SecretKey& secret) {
  AuditVerifyReport report;
  const std::string head_path = audit_head_path(path);
  HeadFile head_file = read_head_file(head_path, secret);
  report.head = head_file.head;

  ChainChecker checker(secret, head_file.head ? head_file.head->seq : 0);
  const bool lines_ok = scan_lines(fd, path, checker, report);
  report.end = checker.end();
  report.records = checker.end().seq;
  if (!lines_ok) return report;

  if (!head_file.problem.empty()) {
    fail(report, 0, head_file.problem);
    return report;
  }
  if (head_file.missing) {
    report.notes.push_back(
        fmt::format("no head file {}: a cut tail of whole records cannot be detected", head_path));
    report.ok = true;
    return report;
  }
  compare_with_head(*head_file.head, checker, report);
  return report;
}

AuditVerifyReport verify_audit_log(const std::string& path, const SecretKey& secret) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    AuditVerifyReport report;
    fail(report, 0, syscall_error("open", path));
    return report;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    AuditVerifyReport report;
    fail(report, 0, syscall_error("fstat", path));
    return report;
  }
  if (!S_ISREG(info.st_mode)) {
    AuditVerifyReport report;
    fail(report, 0, fmt::format("{} is not a regular file", path));
    return report;
  }
  return verify_audit_fd(fd.get(), path, secret);
}

}  // namespace nucleus::proxy
