#include "cli/audit_chain.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "proxy/audit_verify.h"
#include "proxy/hmac.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;

// Returns the problem with one line, or "" when it continues the chain.
std::string check_line(std::string_view line, std::uint64_t expected_seq, const std::string& expected_prev) {
  const json record = json::parse(line, nullptr, false);
  if (!record.is_object()) return "not a JSON object";
  if (record.dump() != line) return "not in canonical form (edited by hand?)";
  if (!record.contains("seq") || !record["seq"].is_number_unsigned() ||
      record["seq"].get<std::uint64_t>() != expected_seq) {
    return fmt::format("seq is not {}", expected_seq);
  }
  if (record.value("prev_hash", "") != expected_prev) return "prev_hash does not match the previous line";
  json body = record;
  body.erase("hash");
  body.erase("sig");
  if (!record.contains("hash") || record["hash"] != proxy::audit_record_hash(body)) {
    return "hash mismatch (record edited)";
  }
  return "";
}

}  // namespace

AuditChainReport check_audit_chain(std::string_view log_text) {
  AuditChainReport report;
  std::string previous_hash(64, '0');
  std::size_t at = 0;
  while (at < log_text.size()) {
    const std::size_t end = log_text.find('\n', at);
    const std::uint64_t line_number = report.records + 1;
    if (end == std::string_view::npos) {
      report.bad_line = line_number;
      report.problem = fmt::format("line {}: incomplete, no trailing newline (truncated write?)", line_number);
      return report;
    }
    const std::string_view line = log_text.substr(at, end - at);
    const std::string problem = check_line(line, line_number, previous_hash);
    if (!problem.empty()) {
      report.bad_line = line_number;
      report.problem = fmt::format("line {}: {}", line_number, problem);
      return report;
    }
    previous_hash = proxy::sha256_hex(line);
    ++report.records;
    at = end + 1;
  }
  report.ok = true;
  return report;
}

}  // namespace nucleus::cli
