// Delegation: a child never gets more than its parent.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "envelope_generators.h"
#include "policy/policy.h"
#include "policy/profiles.h"

namespace nucleus::policy {
namespace {

RC_GTEST_PROP(Delegation, NeverEscalates, (const Envelope& parent_envelope, const Envelope& request)) {
  const Policy parent = Policy::make("parent", "/workspace", parent_envelope);
  const Delegation d = delegate(parent, request, "child");
  RC_ASSERT(leq(d.child.envelope(), parent.envelope()));
  RC_ASSERT(leq(d.child.envelope(), request));
  RC_ASSERT(is_normalized(d.child.envelope()));
}

RC_GTEST_PROP(Delegation, CapsNothingWhenRequestFits, (const Envelope& parent_envelope)) {
  const Policy parent = Policy::make("parent", "/workspace", parent_envelope);
  const Delegation d = delegate(parent, parent.envelope(), "child");
  RC_ASSERT(d.child.envelope() == parent.envelope());
  RC_ASSERT(d.capped.empty());
}

TEST(Delegation, ReportsCappedDimensions) {
  const Policy parent = Policy::make("profile code-review", "/workspace",
                                     profile_envelope("code-review", "/workspace"));
  Envelope request = profile_envelope("fix-issue", "/workspace");
  request.budget.max_cost_usd = Decimal::parse("3.00");
  const Delegation d = delegate(parent, request, "child");

  EXPECT_EQ(d.child.envelope().capabilities.level(Operation::write_files), Level::never);
  EXPECT_EQ(d.child.envelope().capabilities.level(Operation::web_search), Level::low_risk);
  const auto has = [&](const std::string& item) {
    return std::find(d.capped.begin(), d.capped.end(), item) != d.capped.end();
  };
  EXPECT_TRUE(has("write_files: low_risk -> never"));
  EXPECT_TRUE(has("git_push: low_risk -> never"));
  EXPECT_FALSE(has("paths"));  // the request's blocked list is already narrower
  EXPECT_FALSE(has("budget"));  // the parent has no budget, so 3.00 is kept
  EXPECT_EQ(d.child.envelope().budget.max_cost_usd, Decimal::parse("3.00"));
}

TEST(Delegation, ChildKeepsParentObligations) {
  const Policy parent = Policy::make("profile fix-issue", "/workspace",
                                     profile_envelope("fix-issue", "/workspace"));
  Envelope request = profile_envelope("fix-issue", "/workspace");
  request.capabilities.set_level(Operation::web_fetch, Level::never);
  request.capabilities.set_level(Operation::web_search, Level::never);
  const Delegation d = delegate(parent, request, "child");
  // The request alone has no trifecta, but the parent's obligations stay.
  EXPECT_TRUE(d.child.envelope().capabilities.obliged(Operation::git_push));
  EXPECT_NE(std::find(d.capped.begin(), d.capped.end(), "git_push: needs approval"), d.capped.end());
}

}  // namespace
}  // namespace nucleus::policy
