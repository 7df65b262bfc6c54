// Turning a pod request body into what the node needs to run it: the
// compiled policy, the sandbox configuration and the egress rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/egress.h"
#include "policy/policy.h"
#include "sandbox/driver.h"

namespace nucleus::node {

// Body cap for POST /v1/pods, the spec parser's own limit.
inline constexpr std::size_t kMaxPodBodyBytes = 1 << 20;

struct PodPlan {
  std::string name;     // metadata.name of the policy-bearing document
  std::string profile;  // the spec's profile, or the default (restrictive)
  policy::Policy policy;
  std::optional<std::int64_t> timeout_seconds;
  // Everything except `id`, which the node assigns. policy_text is the
  // request body (with restored line breaks when it had none): the tool
  // proxy compiles the same first policy-bearing document from it
  // (spec::load_policy).
  sandbox::SandboxConfig sandbox;
  std::vector<policy::EgressRule> egress_rules;  // empty unless spec.network is present
  // Notes for the client about how the body was read.
  std::vector<std::string> warnings;
};

// True for the content types POST /v1/pods accepts: application/yaml,
// application/x-yaml, text/yaml and application/json, with or without
// parameters such as "; charset=utf-8".
bool is_pod_content_type(std::string_view content_type);

// Parses and compiles `body`. The document may be a PodSpec, a ConfigMap
// carrying one, or a NucleusSandbox (a NucleusSandboxClaim beside it is
// ignored). Errors are the spec parser's "source:line:column: field: message"
// text, or name why the stream carries no runnable pod.
Result<PodPlan> plan_pod(std::string_view body);

}  // namespace nucleus::node
