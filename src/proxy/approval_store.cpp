#include "proxy/approval_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace nucleus::proxy {

namespace {

Result<std::string> random_id() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return make_error("RAND_bytes failed to generate an approval id");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

DecideError decide_error(DecideError::Kind kind, std::string message) {
  return DecideError{kind, std::nullopt, std::move(message)};
}

}  // namespace

std::string_view to_string(ApprovalStatus status) {
  switch (status) {
    case ApprovalStatus::pending: return "pending";
    case ApprovalStatus::approved: return "approved";
    case ApprovalStatus::denied: return "denied";
    case ApprovalStatus::expired: return "expired";
    case ApprovalStatus::consumed: return "consumed";
  }
  return "pending";
}

std::string_view to_string(WaitOutcome outcome) {
  switch (outcome) {
    case WaitOutcome::approved: return "approved";
    case WaitOutcome::denied: return "denied";
    case WaitOutcome::expired: return "expired";
    case WaitOutcome::timed_out: return "timed_out";
    case WaitOutcome::not_found: return "not_found";
  }
  return "not_found";
}

ApprovalStore::ApprovalStore(SecretKey approver_secret, Clock clock)
    : approver_secret_(std::move(approver_secret)), clock_(std::move(clock)) {}

ApprovalStatus ApprovalStore::effective_status(const Entry& entry,
                                               std::chrono::system_clock::time_point now) {
  if (entry.status == ApprovalStatus::pending && now >= entry.request.expires_at)
    return ApprovalStatus::expired;
  return entry.status;
}

void ApprovalStore::prune(std::chrono::system_clock::time_point now) {
  std::erase_if(entries_,
                [&](const auto& item) { return now > item.second.request.expires_at + kRetention; });
}

Result<ApprovalRequest> ApprovalStore::create(std::string pod, std::string operation, std::string args_digest,
                                              std::string reason, nlohmann::json arguments,
                                              std::chrono::seconds ttl) {
  if (pod.empty()) return make_error("approval request has an empty pod");
  if (operation.empty()) return make_error("approval request has an empty operation");
  if (!is_sha256_hex(args_digest))
    return make_error("approval request args_digest must be 64 lowercase hex digits");
  if (!arguments.is_object()) return make_error("approval request arguments must be a JSON object");
  if (ttl <= std::chrono::seconds::zero() || ttl > kMaxTtl) {
    return make_error(fmt::format("approval ttl must be between 1 and {} seconds, got {}",
                                  std::chrono::seconds(kMaxTtl).count(), ttl.count()));
  }
  Result<std::string> id = random_id();
  if (!id) return make_error(id.error());

  const auto now = clock_();
  std::lock_guard lock(mutex_);
  prune(now);
  const auto pending = std::count_if(entries_.begin(), entries_.end(), [&](const auto& item) {
    return effective_status(item.second, now) == ApprovalStatus::pending;
  });
  if (static_cast<std::size_t>(pending) >= kMaxPending) {
    return make_error(
        fmt::format("{} approvals are already pending; decide them or let them expire first", kMaxPending));
  }
  ApprovalRequest request{*id,
                          std::move(pod),
                          std::move(operation),
                          std::move(args_digest),
                          std::move(arguments),
                          std::move(reason),
                          now,
                          now + ttl};
  entries_.emplace(request.id, Entry{request, ApprovalStatus::pending});
  return request;
}

std::vector<ApprovalRequest> ApprovalStore::list_pending() const {
  const auto now = clock_();
  std::vector<ApprovalRequest> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : entries_) {
      if (effective_status(entry, now) == ApprovalStatus::pending) out.push_back(entry.request);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ApprovalRequest& a, const ApprovalRequest& b) { return a.created_at < b.created_at; });
  return out;
}

std::optional<ApprovalSnapshot> ApprovalStore::get(const std::string& id) const {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return std::nullopt;
  return ApprovalSnapshot{found->second.request, effective_status(found->second, now)};
}

DecideOutcome ApprovalStore::decide(const std::string& id, std::string_view token,
                                    std::chrono::system_clock::time_point now) {
  using Kind = DecideError::Kind;
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return decide_error(Kind::not_found, fmt::format("approval {} not found", id));
  Entry& entry = found->second;
  const ApprovalStatus status = effective_status(entry, now);
  if (status == ApprovalStatus::expired) {
    return decide_error(Kind::expired, fmt::format("approval {} expired before it was decided", id));
  }
  if (status != ApprovalStatus::pending) {
    return decide_error(Kind::already_decided,
                        fmt::format("approval {} was already decided ({}); each approval is decided once", id,
                                    to_string(status)));
  }

  TokenVerification verification =
      verify_approval_token(token, approver_secret_, entry.request.subject(), now);
  if (const auto* rejection = std::get_if<TokenRejection>(&verification)) {
    return DecideError{Kind::token_rejected, rejection->kind,
                       fmt::format("approval {}: {}", id, rejection->message)};
  }
  const ApprovalDecision decision = std::get<ApprovalDecision>(verification);
  entry.status = decision == ApprovalDecision::approve ? ApprovalStatus::approved : ApprovalStatus::denied;
  decided_.notify_all();
  return decision;
}

Result<ApprovalRequest> ApprovalStore::withdraw(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return make_error(fmt::format("approval {} not found", id));
  Entry& entry = found->second;
  const ApprovalStatus status = effective_status(entry, clock_());
  if (status != ApprovalStatus::pending) {
    return make_error(fmt::format("approval {} is {}, not pending", id, to_string(status)));
  }
  entry.status = ApprovalStatus::denied;
  decided_.notify_all();
  return entry.request;
}

WaitOutcome ApprovalStore::wait(const std::string& id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::min<std::chrono::milliseconds>(timeout, std::chrono::milliseconds(kMaxTtl));
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto found = entries_.find(id);
    if (found == entries_.end()) return WaitOutcome::not_found;
    const auto now = clock_();
    switch (effective_status(found->second, now)) {
      case ApprovalStatus::approved:
      case ApprovalStatus::consumed: return WaitOutcome::approved;
      case ApprovalStatus::denied: return WaitOutcome::denied;
      case ApprovalStatus::expired: return WaitOutcome::expired;
      case ApprovalStatus::pending: break;
    }
    const auto steady_now = std::chrono::steady_clock::now();
    if (steady_now >= deadline) return WaitOutcome::timed_out;
    // Wake at expiry as well, which nothing else signals.
    const auto until_expiry = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        found->second.request.expires_at - now);
    decided_.wait_until(lock, std::min(deadline, steady_now + until_expiry));
  }
}

Result<ApprovalRequest> ApprovalStore::consume(const std::string& id) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return make_error(fmt::format("approval {} not found", id));
  Entry& entry = found->second;
  const ApprovalStatus status = effective_status(entry, now);
  if (status == ApprovalStatus::consumed) {
    return make_error(fmt::format("approval {} was already used; each approval authorizes one call", id));
  }
  if (status != ApprovalStatus::approved) {
    return make_error(fmt::format("approval {} is {}, not approved", id, to_string(status)));
  }
  entry.status = ApprovalStatus::consumed;
  return entry.request;
}

}  // namespace nucleus::proxy
