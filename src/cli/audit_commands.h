// The `nucleus audit verify` verb, for a log file or a pod's log on a node.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/node_client.h"

namespace nucleus::cli {

// Verify the hash chain, signatures and head file of an audit log with the
// audit key in `key_file`. Exit status 0 when the log verifies, 1 when it
// does not (the first bad line is named), 2 for unusable arguments.
int run_audit_verify(const std::string& log_path, const std::string& key_file, bool json,
                     std::ostream& out, std::ostream& err);

// Fetches the audit log of pod `pod_id` from the node and checks its hash
// chain with check_audit_chain. Signatures are not checked because the node
// does not hand out the audit key, and the output states that. Exit status 0
// when the chain holds, 1 when it is broken or the node fails.
int run_audit_verify_pod(const NodeClient& client, const std::string& pod_id, bool json, std::ostream& out,
                         std::ostream& err);

}  // namespace nucleus::cli
