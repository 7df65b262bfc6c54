// Lattice laws for the envelope product and the laws of ν (normalize).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "envelope_generators.h"
#include "policy/envelope.h"

namespace nucleus::policy {
namespace {

using testing::gen_normalized_envelope;

RC_GTEST_PROP(LatticeLaws, MeetAndJoinCommute, (const Envelope& a, const Envelope& b)) {
  RC_ASSERT(meet(a, b) == meet(b, a));
  RC_ASSERT(join(a, b) == join(b, a));
}

RC_GTEST_PROP(LatticeLaws, MeetAndJoinAssociate,
              (const Envelope& a, const Envelope& b, const Envelope& c)) {
  RC_ASSERT(meet(meet(a, b), c) == meet(a, meet(b, c)));
  RC_ASSERT(join(join(a, b), c) == join(a, join(b, c)));
}

RC_GTEST_PROP(LatticeLaws, MeetAndJoinAreIdempotent, (const Envelope& a)) {
  RC_ASSERT(meet(a, a) == a);
  RC_ASSERT(join(a, a) == a);
}

RC_GTEST_PROP(LatticeLaws, AbsorptionHolds, (const Envelope& a, const Envelope& b)) {
  RC_ASSERT(meet(a, join(a, b)) == a);
  RC_ASSERT(join(a, meet(a, b)) == a);
}

RC_GTEST_PROP(LatticeLaws, LeqAgreesWithMeetAndJoin, (const Envelope& a, const Envelope& b)) {
  RC_ASSERT(leq(meet(a, b), a));
  RC_ASSERT(leq(meet(a, b), b));
  RC_ASSERT(leq(a, join(a, b)));
  RC_ASSERT(leq(b, join(a, b)));
  // a <= b exactly when a ∧ b == a: leq is complete on the structural order.
  RC_ASSERT(leq(a, b) == (meet(a, b) == a));
}

RC_GTEST_PROP(LatticeLaws, LeqIsAntisymmetric, (const Envelope& a, const Envelope& b)) {
  if (leq(a, b) && leq(b, a)) RC_ASSERT(a == b);
}

RC_GTEST_PROP(Normalize, IsIdempotent, (const Envelope& a)) {
  RC_ASSERT(normalize(normalize(a)) == normalize(a));
}

RC_GTEST_PROP(Normalize, IsDeflationary, (const Envelope& a)) {
  RC_ASSERT(leq(normalize(a), a));
}

RC_GTEST_PROP(Normalize, CompleteTrifectaCarriesObligations, (const Envelope& a)) {
  const Envelope n = normalize(a);
  if (!trifecta_complete(n.capabilities)) return;
  for (Operation op : kExfiltrationOperations) {
    if (n.capabilities.level(op) >= Level::low_risk) RC_ASSERT(n.capabilities.obliged(op));
  }
}

RC_GTEST_PROP(Normalize, MeetOfImagesIsBelowImageOfMeet, (const Envelope& a, const Envelope& b)) {
  RC_ASSERT(leq(meet(normalize(a), normalize(b)), normalize(meet(a, b))));
}

RC_GTEST_PROP(Normalize, PreservesMeetWhenTrifectaCompleteInMeet,
              (const Envelope& a, const Envelope& b)) {
  const Envelope m = meet(a, b);
  RC_PRE(trifecta_complete(m.capabilities));
  RC_ASSERT(normalize(m) == meet(normalize(a), normalize(b)));
}

RC_GTEST_PROP(Normalize, PreservesMeetOfNormalizedEnvelopes, ()) {
  const Envelope a = *gen_normalized_envelope();
  const Envelope b = *gen_normalized_envelope();
  RC_ASSERT(normalize(meet(a, b)) == meet(normalize(a), normalize(b)));
  RC_ASSERT(is_normalized(meet(a, b)));
}

// ν is not monotone, so it cannot preserve every meet; this pins down the
// counterexample documented in envelope.h.
TEST(Normalize, DoesNotPreserveEveryMeet) {
  Envelope with_web;
  with_web.capabilities.set_level(Operation::read_files, Level::always);
  with_web.capabilities.set_level(Operation::git_push, Level::always);
  with_web.capabilities.set_level(Operation::web_fetch, Level::always);
  Envelope without_web = with_web;
  without_web.capabilities.set_level(Operation::web_fetch, Level::never);

  const Envelope lhs = normalize(meet(with_web, without_web));
  const Envelope rhs = meet(normalize(with_web), normalize(without_web));
  EXPECT_FALSE(lhs.capabilities.obliged(Operation::git_push));
  EXPECT_TRUE(rhs.capabilities.obliged(Operation::git_push));
  EXPECT_TRUE(leq(rhs, lhs));
}

}  // namespace
}  // namespace nucleus::policy
