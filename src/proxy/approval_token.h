// Approval tokens: a human approver's signed decision on one pending
// approval.
//
// Encoding: base64url(payload) + "." + base64url(signature), both without
// padding. The payload is the canonical JSON object (nlohmann dump(), keys
// sorted) {"approval_id", "args_digest", "decision": "approve"|"deny",
// "expires_at": Unix seconds, "operation", "pod"}. The signature is
// HMAC-SHA256 under the approver secret of the first part exactly as it
// appears in the token (the base64url text), so the verifier authenticates
// the payload before it parses the JSON. The approver secret must be used
// for approval tokens only.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

enum class ApprovalDecision { approve, deny };

std::string_view to_string(ApprovalDecision decision);

// The approval a token decides. verify_approval_token requires the token to
// name exactly these values.
struct ApprovalSubject {
  std::string approval_id;
  std::string pod;
  std::string operation;
  std::string args_digest;
};

struct ApprovalClaims {
  ApprovalSubject subject;
  ApprovalDecision decision = ApprovalDecision::deny;
  // Whole seconds; sign_approval_token drops any fraction.
  std::chrono::system_clock::time_point expires_at;
};

struct TokenRejection {
  enum class Kind {
    malformed,        // not two base64url parts, or a payload without the expected fields
    forged,           // the signature does not match: wrong key or a tampered payload
    expired,          // now is at or past expires_at
    other_approval,   // signed for a different approval id
    other_pod,        // signed for a different pod
    other_operation,  // signed for a different operation
    other_arguments,  // signed for different arguments (args_digest)
  };
  Kind kind = Kind::malformed;
  std::string message;
};

using TokenVerification = std::variant<ApprovalDecision, TokenRejection>;

// Maximum token length verify_approval_token reads. Longer tokens are malformed.
inline constexpr std::size_t kMaxApprovalTokenBytes = 4096;

// Returns the token for `claims` signed with `approver_secret`.
std::string sign_approval_token(const ApprovalClaims& claims, const SecretKey& approver_secret);

// Returns the signed decision when `token` is authentic under
// `approver_secret`, names exactly `expected`, and has not expired at `now`.
// Otherwise returns the first reason for rejection, checked in this order:
// malformed, forged, other_approval, other_pod, other_operation,
// other_arguments, expired. Messages never repeat the token.
TokenVerification verify_approval_token(std::string_view token, const SecretKey& approver_secret,
                                        const ApprovalSubject& expected,
                                        std::chrono::system_clock::time_point now);

// Encodes bytes as base64url without padding (RFC 4648 section 5).
std::string base64url_encode(std::string_view bytes);

// Decodes unpadded base64url. Returns an error for characters outside the
// alphabet, an impossible length, or an encoding that does not re-encode to
// the same text (non-zero trailing bits), so each byte string has exactly one
// accepted spelling.
Result<std::string> base64url_decode(std::string_view text);

}  // namespace nucleus::proxy
