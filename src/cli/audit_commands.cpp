#include "cli/audit_commands.h"

#include <filesystem>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/app.h"
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

}  // namespace nucleus::cli
