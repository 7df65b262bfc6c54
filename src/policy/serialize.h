// JSON forms of envelopes, policies and decisions, shared by the CLI, the
// checksum and (later) the node API. Keys are stable; changing them is an
// API change.
#pragma once

#include <nlohmann/json.hpp>

#include "policy/policy.h"

namespace nucleus::policy {

// {"capabilities": {op: level}, "obligations": [op...] (sorted by operation
// order), "trifecta": bool, "trifecta_obligations": [op...],
//  "paths": [{"allowed": [[glob...]...], "blocked": [glob...]}...],
//  "commands": [{"allowed": [[rule...]...], "blocked": [rule...]}...],
//  "dns_allow": ["host:port"...], "budget": {"max_cost_usd": "5.00" | null,
//  "max_input_tokens": n | null, "max_output_tokens": n | null},
//  "time": {"valid_from": unix | null, "valid_until": unix | null,
//  "timeout_seconds": n | null}}
// Each element of "paths" and "commands" is one term of the rule lattice
// (a policy from a document has exactly one).
nlohmann::json envelope_to_json(const Envelope& envelope);

// envelope_to_json plus "label", "work_dir" and "checksum".
nlohmann::json policy_to_json(const Policy& policy);

// {"decision": "allow" | "approval_required" | "deny", "reason": "..."}
nlohmann::json decision_to_json(const Decision& decision);

}  // namespace nucleus::policy
