#include "proxy/approval_token.h"

#include <openssl/evp.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nucleus::proxy {

using nlohmann::json;

namespace {

constexpr std::size_t kSignatureBytes = 32;

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

TokenRejection reject(TokenRejection::Kind kind, std::string message) {
  return TokenRejection{kind, std::move(message)};
}

std::int64_t to_unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

// Parses the authenticated payload into claims, or explains what is missing.
Result<ApprovalClaims> parse_payload(std::string_view payload_text) {
  json payload;
  try {
    payload = json::parse(payload_text);
  } catch (const json::parse_error& error) {
    return make_error(fmt::format("approval token payload is malformed JSON at byte {}", error.byte));
  }
  const bool shape_ok = payload.is_object() && payload.size() == 6 && payload.contains("approval_id") &&
                        payload.contains("pod") && payload.contains("operation") &&
                        payload.contains("args_digest") && payload.contains("decision") &&
                        payload.contains("expires_at");
  if (!shape_ok) {
    return make_error(
        "approval token payload must have exactly approval_id, pod, operation, args_digest, decision and "
        "expires_at");
  }

  for (const char* field : {"approval_id", "pod", "operation", "args_digest", "decision"}) {
    if (!payload[field].is_string()) {
      return make_error(fmt::format("approval token field \"{}\" must be a string", field));
    }
  }
  if (!payload["expires_at"].is_number_integer()) {
    return make_error("approval token field \"expires_at\" must be an integer (Unix seconds)");
  }

  ApprovalClaims claims;
  const std::string& decision = payload["decision"].get_ref<const std::string&>();
  if (decision == "approve") {
    claims.decision = ApprovalDecision::approve;
  } else if (decision == "deny") {
    claims.decision = ApprovalDecision::deny;
  } else {
    return make_error("approval token field \"decision\" must be \"approve\" or \"deny\"");
  }
  claims.subject =
      ApprovalSubject{payload["approval_id"].get<std::string>(), payload["pod"].get<std::string>(),
                      payload["operation"].get<std::string>(), payload["args_digest"].get<std::string>()};

  // system_clock counts nanoseconds in 64 bits, so seconds beyond about
  // year 2262 would overflow the conversion.
  const std::int64_t expires_at = payload["expires_at"].get<std::int64_t>();
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;
  if (expires_at < 0 || expires_at > kMaxSeconds) {
    return make_error("approval token field \"expires_at\" is out of range");
  }
  claims.expires_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(expires_at)));
  return claims;
}

// Returns the first field of `actual` that differs from `expected`.
std::optional<TokenRejection> compare_subject(const ApprovalSubject& actual,
                                              const ApprovalSubject& expected) {
  using Kind = TokenRejection::Kind;
  if (actual.approval_id != expected.approval_id) {
    return reject(Kind::other_approval, fmt::format("approval token is for approval {}, not {}",
                                                    actual.approval_id, expected.approval_id));
  }
  if (actual.pod != expected.pod) {
    return reject(Kind::other_pod,
                  fmt::format("approval token is for pod {}, not {}", actual.pod, expected.pod));
  }
  if (actual.operation != expected.operation) {
    return reject(Kind::other_operation, fmt::format("approval token is for operation {}, not {}",
                                                     actual.operation, expected.operation));
  }
  if (actual.args_digest != expected.args_digest) {
    return reject(Kind::other_arguments,
                  fmt::format("approval token is for other arguments (args_digest {}, not {})",
                              actual.args_digest, expected.args_digest));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ApprovalDecision decision) {
  return decision == ApprovalDecision::approve ? "approve" : "deny";
}

std::string base64url_encode(std::string_view bytes) {
  std::vector<unsigned char> encoded(4 * ((bytes.size() + 2) / 3) + 1);
  const int length = EVP_EncodeBlock(encoded.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  std::string out(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return make_error(fmt::format("invalid base64url length {}", text.size()));
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if (!is_base64url_char(c)) return make_error("invalid base64url character");
    if (c == '-') {
      standard += '+';
    } else if (c == '_') {
      standard += '/';
    } else {
      standard += c;
    }
  }
  const std::size_t padding = (4 - text.size() % 4) % 4;
  standard.append(padding, '=');

  std::vector<unsigned char> decoded(standard.size() / 4 * 3 + 1);
  const int length = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(standard.data()),
                                     static_cast<int>(standard.size()));
  if (length < 0) return make_error("invalid base64url");
  // EVP_DecodeBlock counts the bytes that padding stands for as output too.
  std::string out(reinterpret_cast<const char*>(decoded.data()), static_cast<std::size_t>(length) - padding);
  if (base64url_encode(out) != text) return make_error("non-canonical base64url (non-zero trailing bits)");
  return out;
}

std::string sign_approval_token(const ApprovalClaims& claims, const SecretKey& approver_secret) {
  const json payload = {
      {"approval_id", claims.subject.approval_id}, {"pod", claims.subject.pod},
      {"operation", claims.subject.operation},     {"args_digest", claims.subject.args_digest},
      {"decision", to_string(claims.decision)},    {"expires_at", to_unix_seconds(claims.expires_at)}};
  const std::string encoded_payload =
      base64url_encode(payload.dump(-1, ' ', false, json::error_handler_t::replace));
  return encoded_payload + "." + base64url_encode(hmac_sha256(approver_secret, encoded_payload));
}

TokenVerification verify_approval_token(std::string_view token, const SecretKey& approver_secret,
                                        const ApprovalSubject& expected,
                                        std::chrono::system_clock::time_point now) {
  using Kind = TokenRejection::Kind;
  if (token.size() > kMaxApprovalTokenBytes) {
    return reject(Kind::malformed,
                  fmt::format("approval token is longer than {} bytes", kMaxApprovalTokenBytes));
  }
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return reject(Kind::malformed, "approval token must be two base64url parts separated by one \".\"");
  }
  const std::string_view encoded_payload = token.substr(0, dot);
  Result<std::string> payload_text = base64url_decode(encoded_payload);
  if (!payload_text) return reject(Kind::malformed, "approval token payload is not base64url");
  Result<std::string> signature = base64url_decode(token.substr(dot + 1));
  if (!signature || signature->size() != kSignatureBytes) {
    return reject(Kind::malformed, "approval token signature is not a base64url HMAC-SHA256");
  }
  if (!constant_time_equal(hmac_sha256(approver_secret, encoded_payload), *signature)) {
    return reject(Kind::forged, "approval token signature is invalid (wrong key or tampered payload)");
  }

  Result<ApprovalClaims> claims = parse_payload(*payload_text);
  if (!claims) return reject(Kind::malformed, claims.error());

  if (auto mismatch = compare_subject(claims->subject, expected)) return *mismatch;
  if (now >= claims->expires_at) {
    const auto age = std::chrono::floor<std::chrono::seconds>(now - claims->expires_at).count();
    return reject(Kind::expired, fmt::format("approval token expired {} seconds ago", age));
  }
  return claims->decision;
}

}  // namespace nucleus::proxy
