// Turning a parsed spec into a normalized Policy.
#pragma once

#include <string_view>

#include "common/result.h"
#include "policy/policy.h"
#include "spec/document.h"

namespace nucleus::spec {

inline constexpr std::string_view kDefaultProfile = "restrictive";
inline constexpr std::string_view kDefaultWorkDir = "/workspace";

// Compile a spec in these steps:
//   1. Start from the spec's profile (default restrictive) for its work dir
//      (default /workspace).
//   2. Capability overrides replace the profile's level for their operation,
//      and explicit obligations are added.
//   3. An allowed path or command list replaces the profile's. Blocked lists
//      add to the profile's, so a document never unblocks what its profile
//      blocks.
//   4. Budget and time fields replace the profile's. The network section
//      sets dns_allow; without one there is no egress.
//   5. ν is applied, so no document can switch the trifecta rule off.
// The policy's label is "pod NAME (profile P)".
Result<policy::Policy> compile_policy(const PolicySpec& spec, std::string_view name);

// The policy of the one policy-bearing document in a stream (PodSpec,
// ConfigMap or NucleusSandbox); claims are skipped. Fails when there is
// none or more than one, so a second document is never silently ignored.
Result<policy::Policy> compile_first_policy(const std::vector<Document>& documents);

}  // namespace nucleus::spec
