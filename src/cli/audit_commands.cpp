#include "cli/audit_commands.h"

#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/audit_chain.h"
#include "cli/node_call.h"
#include "proxy/audit_verify.h"
#include "proxy/key_file.h"

namespace nucleus::cli {

int run_audit_verify(const std::string& log_path, const std::string& key_file, bool as_json,
                     std::ostream& out, std::ostream& err) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(log_path, ignored)) {
    err << "nucleus: error: audit log \"" << log_path << "\" does not exist or is not a regular file\n";
    return kExitUsage;
  }
  auto key = proxy::load_key_file(key_file);
  if (!key.ok()) {
    err << "nucleus: error: " << key.error() << "\n";
    return kExitUsage;
  }
  const proxy::AuditVerifyReport report = proxy::verify_audit_log(log_path, *key);
  if (as_json) {
    out << nlohmann::json{{"ok", report.ok},
                          {"records", report.records},
                          {"bad_line", report.bad_line},
                          {"problem", report.problem},
                          {"notes", report.notes}}
               .dump(2)
        << "\n";
  } else {
    out << report.summary() << "\n";
  }
  return report.ok ? kExitOk : kExitFailure;
}

int run_audit_verify_pod(const NodeClient& client, const std::string& pod_id, bool as_json, std::ostream& out,
                         std::ostream& err) {
  // The node checks signatures with the audit key, which it never hands
  // out; the chain is also checked here, on the log as served.
  auto verified = call_node(client, {"GET", pod_path(pod_id) + "/audit/verify", "", "", TokenRole::agent});
  if (!verified.ok()) return report_failure(err, verified.error(), kExitFailure);
  const auto node_report = nlohmann::json::parse(verified->body, nullptr, false);
  if (!node_report.is_object() || !node_report.contains("ok")) {
    err << "nucleus: error: the node's audit verification reply is not the expected JSON object\n";
    return kExitFailure;
  }
  auto log = call_node(client, {"GET", pod_path(pod_id) + "/audit", "", "", TokenRole::agent});
  if (!log.ok()) return report_failure(err, log.error(), kExitFailure);
  const AuditChainReport chain = check_audit_chain(log->body);
  const bool ok = node_report.value("ok", false) && chain.ok;
  if (as_json) {
    out << nlohmann::json{{"ok", ok}, {"node", node_report},
                          {"chain", {{"ok", chain.ok}, {"records", chain.records}, {"problem", chain.problem}}}}
               .dump(2)
        << "\n";
  } else if (ok) {
    out << "audit ok: " << node_report.value("records", 0) << " records in the audit log of pod " << pod_id
        << ", signatures checked by the node, hash chain checked here\n";
  } else if (!node_report.value("ok", false)) {
    out << "audit FAILED: " << node_report.value("problem", std::string("unknown problem")) << "\n";
  } else {
    out << "audit FAILED: the log served by the node has a broken chain: " << chain.problem << "\n";
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace nucleus::cli
