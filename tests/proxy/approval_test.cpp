// Approval tokens (signing, every rejection) and the approval store
// (single use, expiry, waiting).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/approval_store.h"
#include "proxy/approval_token.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Kind = TokenRejection::Kind;
using TimePoint = std::chrono::system_clock::time_point;

SecretKey test_key(char fill = 'a') { return SecretKey::from_bytes(std::string(32, fill)).value(); }

const TimePoint kNow = TimePoint(std::chrono::seconds(1'700'000'000));

ApprovalSubject sample_subject() {
  return ApprovalSubject{"0123456789abcdef0123456789abcdef", "pod-a", "git_push",
                         sha256_hex("{\"ref\":\"main\"}")};
}

ApprovalClaims sample_claims(ApprovalDecision decision = ApprovalDecision::approve) {
  return ApprovalClaims{sample_subject(), decision, kNow + 60s};
}

// Returns the rejection kind, or nullopt when the token was accepted.
std::optional<Kind> rejection_of(const TokenVerification& verification) {
  if (const auto* rejection = std::get_if<TokenRejection>(&verification)) return rejection->kind;
  return std::nullopt;
}

std::string rejection_message(const TokenVerification& verification) {
  if (const auto* rejection = std::get_if<TokenRejection>(&verification)) return rejection->message;
  return "(accepted)";
}

// Signs `payload` as the token payload exactly as given, to build tokens that
// are authentic but malformed.
std::string sign_raw_payload(const std::string& payload, const SecretKey& key) {
  const std::string encoded = base64url_encode(payload);
  return encoded + "." + base64url_encode(hmac_sha256(key, encoded));
}

TEST(ApprovalToken, RoundTripsBothDecisions) {
  const SecretKey key = test_key();
  for (ApprovalDecision decision : {ApprovalDecision::approve, ApprovalDecision::deny}) {
    SCOPED_TRACE(std::string(to_string(decision)));
    const std::string token = sign_approval_token(sample_claims(decision), key);
    const TokenVerification verification = verify_approval_token(token, key, sample_subject(), kNow);
    ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(verification)) << rejection_message(verification);
    EXPECT_EQ(std::get<ApprovalDecision>(verification), decision);
  }
}

TEST(ApprovalToken, EncodesDocumentedPayload) {
  const std::string token = sign_approval_token(sample_claims(), test_key());
  const std::size_t dot = token.find('.');
  ASSERT_NE(dot, std::string::npos);
  const json payload = json::parse(base64url_decode(token.substr(0, dot)).value());
  EXPECT_EQ(payload, json({{"approval_id", sample_subject().approval_id},
                           {"pod", "pod-a"},
                           {"operation", "git_push"},
                           {"args_digest", sample_subject().args_digest},
                           {"decision", "approve"},
                           {"expires_at", 1'700'000'060}}));
  EXPECT_EQ(base64url_decode(token.substr(dot + 1))->size(), 32u);
}

TEST(ApprovalToken, RejectsWrongKey) {
  const std::string token = sign_approval_token(sample_claims(), test_key('a'));
  const TokenVerification verification = verify_approval_token(token, test_key('b'), sample_subject(), kNow);
  EXPECT_EQ(rejection_of(verification), Kind::forged);
  EXPECT_EQ(rejection_message(verification),
            "approval token signature is invalid (wrong key or tampered payload)");
}

TEST(ApprovalToken, RejectsExpiredToken) {
  const SecretKey key = test_key();
  const std::string token = sign_approval_token(sample_claims(), key);
  EXPECT_FALSE(rejection_of(verify_approval_token(token, key, sample_subject(), kNow + 59s)).has_value());
  EXPECT_EQ(rejection_of(verify_approval_token(token, key, sample_subject(), kNow + 60s)), Kind::expired);
  const TokenVerification late = verify_approval_token(token, key, sample_subject(), kNow + 90s);
  EXPECT_EQ(rejection_of(late), Kind::expired);
  EXPECT_EQ(rejection_message(late), "approval token expired 30 seconds ago");
}

TEST(ApprovalToken, RejectsTokenForAnotherSubject) {
  const SecretKey key = test_key();
  const std::string token = sign_approval_token(sample_claims(), key);
  struct Case {
    const char* name;
    std::function<void(ApprovalSubject&)> change;
    Kind expected;
    const char* message_start;
  };
  const std::vector<Case> cases = {
      {"other approval id", [](auto& s) { s.approval_id = std::string(32, 'f'); }, Kind::other_approval,
       "approval token is for approval 0123"},
      {"other pod", [](auto& s) { s.pod = "pod-b"; }, Kind::other_pod,
       "approval token is for pod pod-a, not pod-b"},
      {"other operation", [](auto& s) { s.operation = "create_pr"; }, Kind::other_operation,
       "approval token is for operation git_push, not create_pr"},
      {"other arguments", [](auto& s) { s.args_digest = sha256_hex("{\"ref\":\"release\"}"); },
       Kind::other_arguments, "approval token is for other arguments"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    ApprovalSubject expected = sample_subject();
    test.change(expected);
    const TokenVerification verification = verify_approval_token(token, key, expected, kNow);
    EXPECT_EQ(rejection_of(verification), test.expected);
    EXPECT_TRUE(rejection_message(verification).starts_with(test.message_start))
        << rejection_message(verification);
  }
}

TEST(ApprovalToken, RejectsTamperedPayload) {
  const SecretKey key = test_key();
  const std::string token = sign_approval_token(sample_claims(ApprovalDecision::deny), key);
  const std::size_t dot = token.find('.');
  std::string payload = base64url_decode(token.substr(0, dot)).value();
  payload.replace(payload.find("\"deny\""), 6, "\"approve\"");
  const std::string tampered = base64url_encode(payload) + token.substr(dot);

  EXPECT_EQ(rejection_of(verify_approval_token(tampered, key, sample_subject(), kNow)), Kind::forged);
}

TEST(ApprovalToken, RejectsMalformedTokens) {
  const SecretKey key = test_key();
  const std::string valid = sign_approval_token(sample_claims(), key);
  const std::string payload_part = valid.substr(0, valid.find('.'));
  const std::string signature_part = valid.substr(valid.find('.') + 1);
  json extra_field = json::parse(base64url_decode(payload_part).value());
  extra_field["scope"] = "all";
  json string_expiry = json::parse(base64url_decode(payload_part).value());
  string_expiry["expires_at"] = "tomorrow";
  json maybe_decision = json::parse(base64url_decode(payload_part).value());
  maybe_decision["decision"] = "maybe";
  json huge_expiry = json::parse(base64url_decode(payload_part).value());
  huge_expiry["expires_at"] = std::uint64_t{18'000'000'000'000'000'000u};
  json missing_pod = json::parse(base64url_decode(payload_part).value());
  missing_pod.erase("pod");

  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty", ""},
      {"no dot", "abc"},
      {"three parts", valid + ".x"},
      {"only a dot", "."},
      {"bad payload characters", "!!!!." + signature_part},
      {"bad signature characters", payload_part + ".***"},
      {"padded signature", valid + "="},
      {"short signature", payload_part + "." + base64url_encode("short")},
      {"too long", std::string(5000, 'A') + "." + signature_part},
      {"signed non-JSON payload", sign_raw_payload("not json", key)},
      {"signed JSON array", sign_raw_payload("[1,2,3]", key)},
      {"signed payload with extra field", sign_raw_payload(extra_field.dump(), key)},
      {"signed payload without pod", sign_raw_payload(missing_pod.dump(), key)},
      {"signed string expiry", sign_raw_payload(string_expiry.dump(), key)},
      {"signed unknown decision", sign_raw_payload(maybe_decision.dump(), key)},
      {"signed out-of-range expiry", sign_raw_payload(huge_expiry.dump(), key)},
  };
  for (const auto& [name, token] : cases) {
    SCOPED_TRACE(name);
    const TokenVerification verification = verify_approval_token(token, key, sample_subject(), kNow);
    EXPECT_EQ(rejection_of(verification), Kind::malformed) << rejection_message(verification);
    EXPECT_TRUE(rejection_message(verification).starts_with("approval token"))
        << rejection_message(verification);
  }
}

TEST(Base64Url, MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
  };
  for (const auto& [bytes, text] : vectors) {
    SCOPED_TRACE(text);
    EXPECT_EQ(base64url_encode(bytes), text);
    auto decoded = base64url_decode(text);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Url, RejectsInvalidText) {
  for (const char* text : {"Z", "Zg==", "Zm9v+", "Zm9v/", "Zm 9v", "QR", "Zm9=", "Zh"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(base64url_decode(text).ok());
  }
}

RC_GTEST_PROP(Base64Url, DecodeInvertsEncode, (const std::string& bytes)) {
  const std::string text = base64url_encode(bytes);
  RC_ASSERT(text.find_first_of("+/=") == std::string::npos);
  const auto decoded = base64url_decode(text);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == bytes);
}

RC_GTEST_PROP(ApprovalToken, AnySingleCharacterChangeIsRejected, ()) {
  const SecretKey key = test_key();
  const std::string token = sign_approval_token(sample_claims(), key);
  const auto position = *rc::gen::inRange<std::size_t>(0, token.size());
  const char replacement = *rc::gen::element('A', 'z', '0', '-', '_', '.', 'Q');
  RC_PRE(token[position] != replacement);
  std::string changed = token;
  changed[position] = replacement;
  RC_ASSERT(rejection_of(verify_approval_token(changed, key, sample_subject(), kNow)).has_value());
}

// A clock the test moves by hand.
class FakeClock {
 public:
  TimePoint now() const { return TimePoint(std::chrono::nanoseconds(nanos_.load())); }
  void set(TimePoint time) { nanos_ = time.time_since_epoch().count(); }
  void advance(std::chrono::seconds seconds) { nanos_ += std::chrono::nanoseconds(seconds).count(); }
  ApprovalStore::Clock function() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::int64_t> nanos_{kNow.time_since_epoch().count()};
};

class ApprovalStoreTest : public ::testing::Test {
 protected:
  ApprovalRequest create_pending(std::chrono::seconds ttl = 300s) {
    auto request = store_.create("pod-a", "git_push", sample_subject().args_digest, "git_push needs approval",
                                 json{{"ref", "main"}, {"remote", "origin"}}, ttl);
    EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error());
    return request.ok() ? *request : ApprovalRequest{};
  }

  std::string token_for(const ApprovalRequest& request, ApprovalDecision decision,
                        const SecretKey& key) const {
    return sign_approval_token(ApprovalClaims{request.subject(), decision, clock_.now() + 120s}, key);
  }

  FakeClock clock_;
  SecretKey approver_key_ = test_key('p');
  ApprovalStore store_{approver_key_, clock_.function()};
};

TEST_F(ApprovalStoreTest, CreatesPendingApproval) {
  const ApprovalRequest request = create_pending(300s);
  EXPECT_EQ(request.id.size(), 32u);
  EXPECT_TRUE(request.id.find_first_not_of("0123456789abcdef") == std::string::npos) << request.id;
  EXPECT_EQ(request.arguments, json({{"ref", "main"}, {"remote", "origin"}}));
  EXPECT_EQ(request.reason, "git_push needs approval");
  EXPECT_EQ(request.created_at, kNow);
  EXPECT_EQ(request.expires_at, kNow + 300s);

  const std::vector<ApprovalRequest> pending = store_.list_pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, request.id);
  const auto snapshot = store_.get(request.id);
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(snapshot->status, ApprovalStatus::pending);
}

TEST_F(ApprovalStoreTest, GeneratesDistinctIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.insert(create_pending().id);
  EXPECT_EQ(ids.size(), 50u);
}

TEST_F(ApprovalStoreTest, RejectsInvalidRequests) {
  const std::string digest = sample_subject().args_digest;
  const json arguments = json::object();
  EXPECT_FALSE(store_.create("", "git_push", digest, "r", arguments, 60s).ok());
  EXPECT_FALSE(store_.create("pod-a", "", digest, "r", arguments, 60s).ok());
  EXPECT_FALSE(store_.create("pod-a", "git_push", "not-a-digest", "r", arguments, 60s).ok());
  EXPECT_FALSE(store_.create("pod-a", "git_push", digest, "r", json::array(), 60s).ok());
  auto zero_ttl = store_.create("pod-a", "git_push", digest, "r", arguments, 0s);
  ASSERT_FALSE(zero_ttl.ok());
  EXPECT_EQ(zero_ttl.error(), "approval ttl must be between 1 and 604800 seconds, got 0");
  auto huge_ttl = store_.create("pod-a", "git_push", digest, "r", arguments, std::chrono::seconds::max());
  ASSERT_FALSE(huge_ttl.ok());
  EXPECT_TRUE(huge_ttl.error().starts_with("approval ttl must be between")) << huge_ttl.error();
  EXPECT_TRUE(store_.list_pending().empty());
}

TEST_F(ApprovalStoreTest, LimitsPendingApprovals) {
  for (std::size_t i = 0; i < ApprovalStore::kMaxPending; ++i) {
    ASSERT_TRUE(
        store_.create("pod-a", "git_push", sample_subject().args_digest, "r", json::object(), 60s).ok());
  }
  auto one_more = store_.create("pod-a", "git_push", sample_subject().args_digest, "r", json::object(), 60s);
  ASSERT_FALSE(one_more.ok());
  EXPECT_NE(one_more.error().find("1000 approvals are already pending"), std::string::npos)
      << one_more.error();

  // Expired approvals no longer count.
  clock_.advance(61s);
  EXPECT_TRUE(
      store_.create("pod-a", "git_push", sample_subject().args_digest, "r", json::object(), 60s).ok());
}

TEST_F(ApprovalStoreTest, ApprovesOnceAndConsumesOnce) {
  const ApprovalRequest request = create_pending();
  const DecideOutcome outcome =
      store_.decide(request.id, token_for(request, ApprovalDecision::approve, approver_key_), clock_.now());
  ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(outcome)) << std::get<DecideError>(outcome).message;
  EXPECT_EQ(std::get<ApprovalDecision>(outcome), ApprovalDecision::approve);
  EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::approved);
  EXPECT_TRUE(store_.list_pending().empty());
  EXPECT_EQ(store_.wait(request.id, 0ms), WaitOutcome::approved);

  auto consumed = store_.consume(request.id);
  ASSERT_TRUE(consumed.ok()) << consumed.error();
  EXPECT_EQ(consumed->args_digest, request.args_digest);
  EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::consumed);

  auto again = store_.consume(request.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), "approval " + request.id + " was already used; each approval authorizes one call");
}

TEST_F(ApprovalStoreTest, RejectsReplayedDecision) {
  const ApprovalRequest request = create_pending();
  const std::string token = token_for(request, ApprovalDecision::deny, approver_key_);
  ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(store_.decide(request.id, token, clock_.now())));

  for (const std::string& replay : {token, token_for(request, ApprovalDecision::approve, approver_key_)}) {
    const DecideOutcome outcome = store_.decide(request.id, replay, clock_.now());
    ASSERT_TRUE(std::holds_alternative<DecideError>(outcome));
    const DecideError& error = std::get<DecideError>(outcome);
    EXPECT_EQ(error.kind, DecideError::Kind::already_decided);
    EXPECT_TRUE(error.message.starts_with("approval " + request.id + " was already decided (denied)"))
        << error.message;
  }
  EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::denied);
}

TEST_F(ApprovalStoreTest, DeniedApprovalCannotBeConsumed) {
  const ApprovalRequest request = create_pending();
  ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(
      store_.decide(request.id, token_for(request, ApprovalDecision::deny, approver_key_), clock_.now())));
  EXPECT_EQ(store_.wait(request.id, 0ms), WaitOutcome::denied);
  auto consumed = store_.consume(request.id);
  ASSERT_FALSE(consumed.ok());
  EXPECT_EQ(consumed.error(), "approval " + request.id + " is denied, not approved");
}

TEST_F(ApprovalStoreTest, PendingApprovalCannotBeConsumed) {
  const ApprovalRequest request = create_pending();
  auto consumed = store_.consume(request.id);
  ASSERT_FALSE(consumed.ok());
  EXPECT_EQ(consumed.error(), "approval " + request.id + " is pending, not approved");
}

TEST_F(ApprovalStoreTest, RejectsUnknownId) {
  const DecideOutcome outcome = store_.decide("feedface", "x.y", clock_.now());
  ASSERT_TRUE(std::holds_alternative<DecideError>(outcome));
  EXPECT_EQ(std::get<DecideError>(outcome).kind, DecideError::Kind::not_found);
  EXPECT_EQ(std::get<DecideError>(outcome).message, "approval feedface not found");
  EXPECT_FALSE(store_.get("feedface").has_value());
  EXPECT_EQ(store_.wait("feedface", 0ms), WaitOutcome::not_found);
  EXPECT_EQ(store_.wait("feedface", std::chrono::milliseconds::max()), WaitOutcome::not_found);
  EXPECT_FALSE(store_.consume("feedface").ok());
}

TEST_F(ApprovalStoreTest, RejectsBadTokensAndStaysPending) {
  const ApprovalRequest request = create_pending();
  ApprovalRequest other_pod = request;
  other_pod.pod = "pod-b";
  ApprovalRequest other_arguments = request;
  other_arguments.args_digest = sha256_hex("other");
  ApprovalRequest other_operation = request;
  other_operation.operation = "create_pr";

  const std::vector<std::tuple<const char*, std::string, Kind>> cases = {
      {"wrong key", token_for(request, ApprovalDecision::approve, test_key('z')), Kind::forged},
      {"other pod", token_for(other_pod, ApprovalDecision::approve, approver_key_), Kind::other_pod},
      {"other operation", token_for(other_operation, ApprovalDecision::approve, approver_key_),
       Kind::other_operation},
      {"other arguments", token_for(other_arguments, ApprovalDecision::approve, approver_key_),
       Kind::other_arguments},
      {"expired token",
       sign_approval_token(ApprovalClaims{request.subject(), ApprovalDecision::approve, clock_.now() - 1s},
                           approver_key_),
       Kind::expired},
      {"malformed", "garbage", Kind::malformed},
  };
  for (const auto& [name, token, kind] : cases) {
    SCOPED_TRACE(name);
    const DecideOutcome outcome = store_.decide(request.id, token, clock_.now());
    ASSERT_TRUE(std::holds_alternative<DecideError>(outcome));
    const DecideError& error = std::get<DecideError>(outcome);
    EXPECT_EQ(error.kind, DecideError::Kind::token_rejected);
    EXPECT_EQ(error.token_rejection, kind);
    EXPECT_TRUE(error.message.starts_with("approval " + request.id + ": approval token")) << error.message;
    EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::pending);
  }
}

TEST_F(ApprovalStoreTest, ExpiredApprovalCannotBeDecided) {
  const ApprovalRequest request = create_pending(60s);
  const std::string token = token_for(request, ApprovalDecision::approve, approver_key_);
  clock_.advance(60s);

  EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::expired);
  EXPECT_TRUE(store_.list_pending().empty());
  EXPECT_EQ(store_.wait(request.id, 1s), WaitOutcome::expired);
  const DecideOutcome outcome = store_.decide(request.id, token, clock_.now());
  ASSERT_TRUE(std::holds_alternative<DecideError>(outcome));
  EXPECT_EQ(std::get<DecideError>(outcome).kind, DecideError::Kind::expired);
  EXPECT_FALSE(store_.consume(request.id).ok());
}

TEST_F(ApprovalStoreTest, DropsFinishedApprovalsAfterRetention) {
  const ApprovalRequest request = create_pending(60s);
  clock_.advance(60s + std::chrono::duration_cast<std::chrono::seconds>(ApprovalStore::kRetention) + 1s);
  create_pending();  // pruning happens on create
  EXPECT_FALSE(store_.get(request.id).has_value());
}

TEST_F(ApprovalStoreTest, WithdrawDeniesOnlyPendingApprovals) {
  const ApprovalRequest request = create_pending();
  auto withdrawn = store_.withdraw(request.id);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.error();
  EXPECT_EQ(withdrawn->id, request.id);
  EXPECT_EQ(store_.get(request.id)->status, ApprovalStatus::denied);
  EXPECT_TRUE(store_.list_pending().empty());
  EXPECT_EQ(store_.wait(request.id, 0ms), WaitOutcome::denied);
  EXPECT_FALSE(store_.withdraw(request.id).ok()) << "withdrawn twice";
  EXPECT_TRUE(std::holds_alternative<DecideError>(
      store_.decide(request.id, token_for(request, ApprovalDecision::approve, approver_key_), clock_.now())));

  const ApprovalRequest approved = create_pending();
  ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(
      store_.decide(approved.id, token_for(approved, ApprovalDecision::approve, approver_key_), clock_.now())));
  EXPECT_FALSE(store_.withdraw(approved.id).ok()) << "an approved request stays approved";
  EXPECT_EQ(store_.get(approved.id)->status, ApprovalStatus::approved);

  const ApprovalRequest expired = create_pending(10s);
  clock_.advance(11s);
  EXPECT_FALSE(store_.withdraw(expired.id).ok());
  EXPECT_FALSE(store_.withdraw("no-such-approval").ok());
}

TEST_F(ApprovalStoreTest, WaitTimesOut) {
  const ApprovalRequest request = create_pending();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store_.wait(request.id, 50ms), WaitOutcome::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST_F(ApprovalStoreTest, DecisionWakesEveryWaiter) {
  constexpr int kWaiters = 8;
  const ApprovalRequest request = create_pending();
  std::vector<WaitOutcome> outcomes(kWaiters, WaitOutcome::not_found);
  std::atomic<int> started{0};
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&, i] {
        ++started;
        outcomes[i] = store_.wait(request.id, 30s);
      });
    }
    while (started < kWaiters) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(std::holds_alternative<ApprovalDecision>(store_.decide(
        request.id, token_for(request, ApprovalDecision::approve, approver_key_), clock_.now())));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s)
      << "waiters must wake on the decision, not the timeout";
  for (int i = 0; i < kWaiters; ++i) EXPECT_EQ(outcomes[i], WaitOutcome::approved) << "waiter " << i;
}

TEST(ApprovalStore, WaitWakesAtExpiry) {
  ApprovalStore store(test_key('p'));
  auto request = store.create("pod-a", "git_push", sample_subject().args_digest, "r", json::object(), 1s);
  ASSERT_TRUE(request.ok()) << request.error();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store.wait(request->id, 30s), WaitOutcome::expired);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace nucleus::proxy
