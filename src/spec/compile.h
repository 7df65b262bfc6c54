// Turning a parsed spec into a normalized Policy.
#pragma once

#include <string_view>

#include "common/result.h"
#include "policy/policy.h"
#include "spec/document.h"

namespace nucleus::spec {

inline constexpr std::string_view kDefaultProfile = "restrictive";
inline constexpr std::string_view kDefaultWorkDir = "/workspace";

// Start from the spec's profile (default: restrictive) for its work dir
// (default: /workspace); capability overrides replace the profile's level
// for their operation; explicit obligations are added; an allowed path or
// command list in the spec replaces the profile's, blocked lists add to the
// profile's (a document can never unblock what its profile blocks); budget
// and time fields replace the profile's; the network section sets dns_allow
// (absent: no egress). Then ν is applied, so no document can switch the
// trifecta rule off. `label` is "pod NAME (profile P)".
Result<policy::Policy> compile_policy(const PolicySpec& spec, std::string_view name);

// The policy of the one policy-bearing document in a stream (PodSpec,
// ConfigMap or NucleusSandbox); claims are skipped. Fails when there is
// none or more than one, so a second document is never silently ignored.
Result<policy::Policy> compile_first_policy(const std::vector<Document>& documents);

}  // namespace nucleus::spec
