// Pending approvals: a call the policy marks approval_required waits here
// until a human approver's signed token decides it.
//
// Lifecycle: create() -> pending -> decide() -> approved or denied; an
// approved approval authorizes one call through consume(). A pending
// approval that reaches expires_at is expired and can no longer be decided.
// Every transition happens once: a second decide() of the same approval
// fails, whatever token it carries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "proxy/approval_token.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

struct ApprovalRequest {
  std::string id;  // 128 random bits as 32 hex digits
  std::string pod;
  std::string operation;
  std::string args_digest;
  // The call's exact arguments, shown to the approver so they see what they
  // approve. They belong to the approval API only and never go into the
  // audit log, which records args_digest instead.
  nlohmann::json arguments;
  std::string reason;  // why the policy requires approval
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point expires_at;

  ApprovalSubject subject() const { return {id, pod, operation, args_digest}; }
};

enum class ApprovalStatus { pending, approved, denied, expired, consumed };

std::string_view to_string(ApprovalStatus status);

struct ApprovalSnapshot {
  ApprovalRequest request;
  ApprovalStatus status = ApprovalStatus::pending;
};

struct DecideError {
  enum class Kind { not_found, already_decided, expired, token_rejected };
  Kind kind = Kind::not_found;
  std::optional<TokenRejection::Kind> token_rejection;  // set when kind is token_rejected
  std::string message;
};

using DecideOutcome = std::variant<ApprovalDecision, DecideError>;

enum class WaitOutcome { approved, denied, expired, timed_out, not_found };

std::string_view to_string(WaitOutcome outcome);

// Thread-safe.
class ApprovalStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Pending approvals beyond this count are rejected, so a looping agent
  // cannot grow the store without bound.
  static constexpr std::size_t kMaxPending = 1000;
  // Finished approvals are kept this long past their expires_at, so a
  // replayed token gets "already decided" instead of "not found" while it
  // could still be valid. After that they are dropped.
  static constexpr std::chrono::hours kRetention{1};
  // Maximum ttl create() accepts. A human decides within minutes or hours,
  // and the bound keeps expiry arithmetic far from overflow.
  static constexpr std::chrono::hours kMaxTtl{7 * 24};

  // `clock` gives created_at and decides expiry in create, list_pending, get
  // and wait; tests pass a fake clock.
  explicit ApprovalStore(SecretKey approver_secret, Clock clock = std::chrono::system_clock::now);

  // Registers a pending approval that expires `ttl` from now. Returns an
  // error for an empty pod or operation, an args_digest that is not 64 hex
  // digits, arguments that are not a JSON object, or a ttl outside
  // (0, kMaxTtl]. Also fails when kMaxPending approvals are pending or when
  // the random id cannot be generated.
  Result<ApprovalRequest> create(std::string pod, std::string operation, std::string args_digest,
                                 std::string reason, nlohmann::json arguments, std::chrono::seconds ttl);

  // Returns the approvals still pending and not expired, oldest first.
  std::vector<ApprovalRequest> list_pending() const;

  std::optional<ApprovalSnapshot> get(const std::string& id) const;

  // Verifies `token` against the pending approval `id` at `now` and records
  // its decision, waking every wait() on it. Fails, and changes nothing, for
  // an unknown id, an approval that was already decided, an expired one, or a
  // token that verify_approval_token rejects.
  DecideOutcome decide(const std::string& id, std::string_view token,
                       std::chrono::system_clock::time_point now);

  // Marks the pending approval `id` denied without a token, waking every
  // wait() on it; for an agent that no longer wants the call. Returns the
  // request; fails, and changes nothing, unless the approval is pending.
  // Needs no approver token because it can only prevent a call.
  Result<ApprovalRequest> withdraw(const std::string& id);

  // Blocks until approval `id` is decided or expires, or `timeout` passes
  // (timeouts beyond kMaxTtl wait kMaxTtl).
  // An approval that was approved and then consumed still returns approved.
  WaitOutcome wait(const std::string& id, std::chrono::milliseconds timeout);

  // Marks an approved approval as used and returns its request, so the caller
  // can check that it matches the call it is about to run. Fails unless the
  // approval is approved and not yet consumed: one approval authorizes one
  // call.
  Result<ApprovalRequest> consume(const std::string& id);

 private:
  struct Entry {
    ApprovalRequest request;
    ApprovalStatus status = ApprovalStatus::pending;  // never expired; expiry is computed
  };

  static ApprovalStatus effective_status(const Entry& entry, std::chrono::system_clock::time_point now);
  void prune(std::chrono::system_clock::time_point now);

  const SecretKey approver_secret_;
  const Clock clock_;
  mutable std::mutex mutex_;
  std::condition_variable decided_;
  std::map<std::string, Entry> entries_;  // guarded by mutex_
};

}  // namespace nucleus::proxy
