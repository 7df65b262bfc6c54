// Checks of an audit log that need no key: every line complete, canonical
// JSON, `seq` counting up from 1, `prev_hash` the SHA-256 of the previous
// line and `hash` the hash of the record (format in proxy/audit_log.h).
// `sig` is not checked, because that needs the audit key, so a writer who
// rewrites the whole chain goes unnoticed here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nucleus::cli {

struct AuditChainReport {
  bool ok = false;
  std::uint64_t records = 0;   // records that passed
  std::uint64_t bad_line = 0;  // 1-based, 0 when ok
  std::string problem;         // e.g. "line 3: prev_hash does not match line 2"
};

AuditChainReport check_audit_chain(std::string_view log_text);

}  // namespace nucleus::cli
