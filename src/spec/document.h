// Pod spec documents: the nucleus.io/v1 PodSpec, the Kubernetes ConfigMap
// that carries one under data."pod.yaml", and the NucleusSandbox and
// NucleusSandboxClaim custom resources. Parsing only: turning a spec into a
// policy is spec/compile.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/command_rule.h"
#include "policy/decimal.h"
#include "policy/egress.h"
#include "policy/operation.h"

namespace nucleus::spec {

// Input limits. Parsing stays within bounded time and memory for any input.
inline constexpr std::size_t kMaxDocumentBytes = 1 << 20;  // whole stream
inline constexpr std::size_t kMaxNestingDepth = 32;
inline constexpr std::size_t kMaxNodes = 20'000;
inline constexpr std::int64_t kMaxTimeoutSeconds = 7 * 24 * 3600;

// NOTE: the upper bounds below are sanity limits chosen for this parser, not
// limits taken from a runtime; they only catch typos such as a missing unit.
inline constexpr std::int64_t kMaxClaimTtlSeconds = 30 * 24 * 3600;
inline constexpr std::uint32_t kMaxCpuMillis = 1024 * 1000;      // 1024 cores
inline constexpr std::uint64_t kMinMemoryMib = 16;
inline constexpr std::uint64_t kMaxMemoryMib = 4ULL << 20;        // 4 TiB
inline constexpr std::uint64_t kMinDiskMib = 16;
inline constexpr std::uint64_t kMaxDiskMib = 16ULL << 20;         // 16 TiB
inline constexpr std::uint32_t kMinPids = 8;
inline constexpr std::uint32_t kMaxPids = 4'194'304;              // Linux PID_MAX_LIMIT, 64-bit

struct PathsSpec {
  std::vector<std::string> allowed;  // glob patterns, as written
  std::vector<std::string> blocked;
  bool has_allowed = false;          // the key was present (possibly empty)
  bool has_blocked = false;
};

struct CommandsSpec {
  std::vector<policy::CommandRule> allowed;
  std::vector<policy::CommandRule> blocked;
  bool has_allowed = false;
  bool has_blocked = false;
};

struct BudgetSpec {
  std::optional<policy::Decimal> max_cost_usd;  // >= 0
  std::optional<std::uint64_t> max_input_tokens;
  std::optional<std::uint64_t> max_output_tokens;
};

struct TimeSpec {
  // Seconds since the Unix epoch, from RFC 3339 timestamps such as
  // "2026-12-01T00:00:00Z" or "2026-12-01T09:00:00+09:00".
  std::optional<std::int64_t> valid_from;
  std::optional<std::int64_t> valid_until;  // must be after valid_from
};

struct NetworkSpec {
  std::vector<policy::EgressRule> dns_allow;
};

struct ResourcesSpec {
  std::optional<std::uint32_t> cpu_millis;   // "500m", "2", 1.5 -> 500, 2000, 1500; 1..kMaxCpuMillis
  std::optional<std::uint64_t> memory_mib;   // kMinMemoryMib..kMaxMemoryMib
  std::optional<std::uint32_t> pids;         // kMinPids..kMaxPids
  std::optional<std::uint64_t> disk_mib;     // workspace size cap; kMinDiskMib..kMaxDiskMib
};

// The policy-bearing part of a PodSpec or NucleusSandbox, with snake_case
// and camelCase spellings folded together.
struct PolicySpec {
  std::optional<std::string> profile;
  std::optional<std::string> work_dir;      // absolute, normalized; ".." is rejected
  std::optional<std::int64_t> timeout_seconds;  // 1 .. kMaxTimeoutSeconds
  std::optional<std::string> image;
  std::map<policy::Operation, policy::Level> capabilities;
  std::vector<policy::Operation> obligations;  // explicit approval list
  PathsSpec paths;
  CommandsSpec commands;
  BudgetSpec budget;
  TimeSpec time;
  std::optional<NetworkSpec> network;       // absent: no egress at all
  ResourcesSpec resources;
};

struct ClaimSpec {
  std::string template_ref;
  // From "1h", "30m", "90s", "2h30m", "1d" or integer seconds;
  // 1..kMaxClaimTtlSeconds.
  std::optional<std::int64_t> ttl_seconds;
};

enum class DocumentKind { pod_spec, config_map, nucleus_sandbox, nucleus_sandbox_claim };

struct Document {
  DocumentKind kind = DocumentKind::pod_spec;
  std::string api_version;
  std::string name;           // metadata.name of the policy-bearing object
  std::string namespace_;     // metadata.namespace, may be empty
  int line = 0;               // 1-based line of the document's root node
  PolicySpec spec;            // pod_spec, config_map, nucleus_sandbox
  ClaimSpec claim;            // nucleus_sandbox_claim
};

// Parse a YAML or JSON stream of one or more documents. Empty documents
// are skipped, and a stream with none fails with "no documents". A
// ConfigMap yields the PodSpec inside data."pod.yaml" (exactly one
// document, whose metadata may be omitted), with the ConfigMap's name kept
// in `namespace_`/`name` only when the PodSpec has none. Any error fails
// the whole stream: nothing is half-accepted. The error message has the
// form
//   "<source>:<line>:<column>: <field.path>: <what is wrong>"
// with 1-based lines and byte columns. The path part is left out for
// errors outside any field (syntax errors, "no documents"). Errors inside
// a literal block pod.yaml ("pod.yaml: |") point at the outer file's line
// and column, with paths like data."pod.yaml".spec.profile. Other scalar
// styles cannot be mapped line by line, so their errors point at the
// scalar and name the line and column inside it.
// Errors: invalid UTF-8, a stream over kMaxDocumentBytes, YAML syntax
// errors, aliases and anchors (rejected outright, which also rules out
// alias bombs), tags other than the YAML core ones (!!str, !!int, !!float,
// !!bool, !!null, !!map, !!seq), nesting over kMaxNestingDepth, more than kMaxNodes
// nodes, duplicate keys, unknown fields, wrong types, unknown kinds or
// apiVersions, unknown profiles, operations or levels, out-of-range numbers,
// invalid dns_allow entries, paths and command rules. Unknown fields are
// rejected everywhere; typed fields check the YAML 1.2 core-schema type of
// the value (a quoted "3600" is not an integer, a plain true is not a
// string), and integers must be plain decimal (no '+', hex, octal or
// leading zeros).
Result<std::vector<Document>> parse_documents(std::string_view text,
                                              std::string_view source_name);

std::string_view to_string(DocumentKind kind);

}  // namespace nucleus::spec
