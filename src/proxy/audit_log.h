// The proxy's append-only audit log: one JSON object per line, hash-chained
// and signed with HMAC-SHA256, plus a signed head file that records the last
// sequence number.
//
// Line format. Every line is the canonical serialization of one record
// followed by "\n". Canonical serialization is nlohmann::json::dump() of a
// json object without indentation. nlohmann's default object type is a
// std::map, so keys come out sorted by byte value, with no whitespace and
// non-ASCII text as raw UTF-8. Invalid UTF-8 in caller strings is replaced
// with U+FFFD before hashing. The fields are:
//   seq          1 for the first record, then consecutive.
//   time         RFC 3339 UTC with milliseconds, "2024-05-01T12:34:56.789Z".
//   pod, request_id, operation, reason   strings from the caller.
//   event        an open set of names; the proxy writes call,
//                approval_requested, approval_granted, approval_denied,
//                budget_refused, time_refused, rejected, policy_tightened and
//                policy_loosen_rejected.
//   args_digest  hex SHA-256 of the canonical JSON of the call's arguments,
//                or "" for events without arguments. The arguments
//                themselves never enter the log.
//   decision     allow | approval_required | deny | error.
//   result       a small JSON object summarizing the outcome.
//   prev_hash    hex SHA-256 of the previous line's bytes without its "\n",
//                or 64 zeros for the first record.
//   hash         hex SHA-256 of the canonical serialization of the record
//                without `hash` and `sig`.
//   sig          hex HMAC-SHA256 of the `hash` string (its 64 hex characters)
//                under the audit secret.
//
// Head file. `<path>.head` contains one canonical JSON line {"hash", "seq",
// "sig"}: the seq and hash of the last record, with sig = HMAC-SHA256 of the
// canonical {"hash","seq"} object. It is replaced atomically after every
// write, so a log whose tail of whole records was cut no longer reaches the
// seq in the head. See audit_verify.h for the checks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/unique_fd.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

enum class AuditDecision { allow, approval_required, deny, error };

std::string_view to_string(AuditDecision decision);

// The caller's part of one record. AuditLog adds seq, time and the chain
// fields.
struct AuditRecord {
  std::string pod;
  std::string request_id;
  std::string event;
  std::string operation;
  std::string args_digest;  // 64 lowercase hex digits, or "" when there are no arguments
  AuditDecision decision = AuditDecision::deny;
  std::string reason;
  // A short summary such as {"bytes": 4096} or {"exit_code": 0}. The caller
  // must keep secrets, file contents and command output out of it, because
  // append() only checks that it is an object of at most kMaxResultBytes
  // when serialized.
  nlohmann::json result = nlohmann::json::object();
};

// Position of an appended record in the chain.
struct AuditReceipt {
  std::uint64_t seq = 0;
  std::string hash;
};

// State of the chain after its last record.
struct AuditChainEnd {
  std::uint64_t seq = 0;                           // 0 for an empty log
  std::string record_hash = std::string(64, '0');  // `hash` field of the last record
  std::string line_hash = std::string(64, '0');    // SHA-256 of the last line, the next prev_hash
  std::uint64_t file_size = 0;                     // bytes of complete, verified lines
};

// Formats a time point as RFC 3339 UTC with milliseconds.
std::string format_utc_millis(std::chrono::system_clock::time_point time);

class AuditLog {
 public:
  static constexpr std::size_t kMaxResultBytes = 1024;
  // Maximum line length that append() writes and verify accepts. It bounds
  // the memory a corrupt log without newlines makes the reader use.
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;

  // Opens or creates the log at `path` (mode 0600 when created) and takes an
  // exclusive flock on it, so a second writer fails here instead of forking
  // the chain. An existing log is verified with verify_audit_log's checks and
  // the chain continues from its last record. Returns an error, and appends
  // nothing, when the file is not a regular file, is locked by another
  // writer, or fails verification (corrupt, truncated, wrong key, or shorter
  // than its head file records). A missing or lagging head file is rewritten.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path, const SecretKey& secret);

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  ~AuditLog();

  // Appends one record and returns its seq and hash once the line is on
  // disk (write + fdatasync) and the head file is replaced. Thread-safe:
  // concurrent callers are written in one batch that shares one write() and
  // one fdatasync (group commit), and each caller returns only after its own
  // batch is durable.
  //
  // Returns an error for an invalid record (bad args_digest, result not a
  // small object, line over kMaxLineBytes) and when writing fails. After a
  // failed write() the partial batch is cut off again with ftruncate and the
  // chain does not advance. A failed fdatasync or ftruncate leaves the file
  // state unknown, so the log then rejects every later append until it is
  // reopened (open() verifies the file). If the head file cannot be replaced
  // after the records are durable, the chain does advance (the records are
  // in the log) but append still returns an error. On any error the caller
  // must fail the call closed.
  Result<AuditReceipt> append(AuditRecord record);

  // Returns the chain state after the last durable record.
  AuditChainEnd end() const;

  const std::string& path() const { return path_; }

 private:
  struct Ticket;
  struct Batch;
  struct WriteFailure {
    std::string message;
    bool state_unknown = false;  // the file may not end with the last durable record
  };

  AuditLog(std::string path, SecretKey secret, UniqueFd log_fd, UniqueFd dir_fd, AuditChainEnd end);

  void write_queued_batch(std::unique_lock<std::mutex>& lock);
  // Records each ticket's outcome and advances the chain. Requires mutex_.
  void complete_batch(const std::vector<Ticket*>& tickets, const Batch& batch,
                      const std::optional<WriteFailure>& failure,
                      const std::optional<std::string>& head_error);
  Batch serialize_batch(const std::vector<Ticket*>& tickets, const AuditChainEnd& start) const;
  std::optional<WriteFailure> write_durably(const Batch& batch, const AuditChainEnd& start);
  Result<bool> write_head(const AuditChainEnd& end) const;

  const std::string path_;
  const SecretKey secret_;
  const UniqueFd log_fd_;
  const UniqueFd dir_fd_;  // the log's directory, fsynced after the head file's rename

  mutable std::mutex mutex_;
  std::condition_variable written_;
  AuditChainEnd end_;            // guarded by mutex_
  std::vector<Ticket*> queue_;   // guarded by mutex_; records waiting for the next batch
  bool writing_ = false;         // guarded by mutex_; a batch is being written
  std::string unusable_reason_;  // guarded by mutex_; set when the file state became unknown
};

}  // namespace nucleus::proxy
