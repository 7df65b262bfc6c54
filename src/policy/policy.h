// Policy: a normalized envelope plus the facts needed to explain decisions,
// and the decision API every component calls before a side effect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/envelope.h"

namespace nucleus::policy {

// An immutable, normalized envelope. There is no way to build a Policy that
// skips ν, so the trifecta rule holds for every Policy value.
class Policy {
 public:
  // `label` names the source in reasons, for example "profile code-review"
  // or "pod code-review-agent". `work_dir` is absolute and normalized.
  static Policy make(std::string label, std::string work_dir, const Envelope& envelope);

  const std::string& label() const { return label_; }
  const std::string& work_dir() const { return work_dir_; }
  const Envelope& envelope() const { return envelope_; }

  // Operations whose obligation comes from the trifecta rule.
  OperationSet trifecta_obligations() const;

  // Lowercase hex SHA-256 of the canonical JSON of the envelope (labels and
  // work dir excluded): equal envelopes give equal checksums.
  std::string checksum() const;

 private:
  Policy(std::string label, std::string work_dir, Envelope envelope)
      : label_(std::move(label)), work_dir_(std::move(work_dir)), envelope_(std::move(envelope)) {}
  std::string label_;
  std::string work_dir_;
  Envelope envelope_;
};

// The object of an operation: a path (resolved against the policy's work
// dir), a shell command line, or an absolute http(s) URL.
struct Target {
  enum class Kind { none, path, command, url };
  Kind kind = Kind::none;
  std::string value;

  static Target none() { return {}; }
  static Target path(std::string p) { return {Kind::path, std::move(p)}; }
  static Target command(std::string c) { return {Kind::command, std::move(c)}; }
  static Target url(std::string u) { return {Kind::url, std::move(u)}; }
};

struct DecisionContext {
  std::optional<std::int64_t> now_unix;      // checked against valid_from/until
  std::optional<std::int64_t> started_unix;  // with now, checked against timeout
};

enum class Verdict { allow, approval_required, deny };
std::string_view to_string(Verdict verdict);

struct Decision {
  Verdict verdict = Verdict::deny;
  std::string reason;  // names the rule that decided
};

// Decide one operation on one target. Order: time window, capability level,
// target rules (paths for file and search operations and for redirections;
// command rules for run_bash; dns_allow for web_fetch), then obligations.
// A target of the wrong kind for the operation is denied.
Decision decide(const Policy& policy, Operation op, const Target& target,
                const DecisionContext& context = {});

// The path rules alone, without level, time or obligations: the reason
// `path` (resolved against the work dir) is denied, or nullopt. The tool
// proxy calls this on the path it actually opened, after decide() passed.
std::optional<std::string> path_rules_deny_reason(const Policy& policy, const std::string& path);

// Delegation: the child's envelope is parent ∧ request (then ν), never above
// the parent. `capped` lists each dimension where the request asked for
// more than the parent has ("run_bash: always -> low_risk", "paths", ...).
struct Delegation {
  Policy child;
  std::vector<std::string> capped;
};
Delegation delegate(const Policy& parent, const Envelope& request, std::string child_label);

}  // namespace nucleus::policy
