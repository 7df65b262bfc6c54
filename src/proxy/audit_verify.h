// Verification of an audit log written by AuditLog (format in audit_log.h),
// and the signed head file beside it.
//
// verify_audit_log checks line by line and stops at the first problem. Every
// line must be complete, at most AuditLog::kMaxLineBytes long, and canonical
// JSON with exactly the record fields and their types. `hash` must match the
// record, and `sig` must be the HMAC of `hash` under the secret. `prev_hash`
// must be the SHA-256 of the previous line (64 zeros on line 1), and `seq`
// must count up from 1. Then the end of the chain is compared with the head
// file. A head with a higher seq than the log means whole records were cut
// from the tail.
//
// Limits: without the head file a cut tail of whole records is undetectable,
// and the report notes that. An attacker who can write the directory can also
// restore an older, validly signed head file together with the matching
// older log prefix. Only a copy of the head kept elsewhere detects that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "proxy/audit_log.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

// Contents of the head file: the seq and `hash` of the last record, or seq 0
// and 64 zeros for an empty log.
struct AuditHead {
  std::uint64_t seq = 0;
  std::string hash = std::string(64, '0');
};

std::string audit_head_path(const std::string& log_path);

// Returns the head file line, "\n"-terminated, signed under `secret`.
std::string serialize_audit_head(const AuditHead& head, const SecretKey& secret);

// Parses and authenticates a head file's contents.
Result<AuditHead> parse_audit_head(std::string_view text, const SecretKey& secret);

// Returns the record hash: SHA-256 hex of the canonical serialization of
// `body`, the record without `hash` and `sig`.
std::string audit_record_hash(const nlohmann::json& body);

struct AuditVerifyReport {
  bool ok = false;
  std::uint64_t records = 0;   // records that passed every check
  std::uint64_t bad_line = 0;  // 1-based; 0 when ok or when the problem is not on a line
  // The first problem found, e.g. "line 7: hash mismatch (record edited)".
  // Empty when ok.
  std::string problem;
  // Facts that do not make the log invalid but limit what was checked, e.g.
  // a missing head file.
  std::vector<std::string> notes;
  // The chain after the last good record.
  AuditChainEnd end;
  // The authenticated head file, when present.
  std::optional<AuditHead> head;

  // Returns "ok: N records" or the problem, followed by the notes.
  std::string summary() const;
};

// Verifies the log at `path` and its head file `<path>.head` under `secret`.
AuditVerifyReport verify_audit_log(const std::string& path, const SecretKey& secret);

// Same checks on an already open log file, read with pread from offset 0.
// `path` names the file in messages and locates the head file.
AuditVerifyReport verify_audit_fd(int fd, const std::string& path, const SecretKey& secret);

}  // namespace nucleus::proxy
