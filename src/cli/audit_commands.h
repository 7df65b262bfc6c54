// The `nucleus audit verify` verb.
#pragma once

#include <iosfwd>
#include <string>

namespace nucleus::cli {

// Verify the hash chain, signatures and head file of an audit log with the
// audit key in `key_file`. Exit status 0 when the log verifies, 1 when it
// does not (the first bad line is named), 2 for unusable arguments.
int run_audit_verify(const std::string& log_path, const std::string& key_file, bool json,
                     std::ostream& out, std::ostream& err);

}  // namespace nucleus::cli
