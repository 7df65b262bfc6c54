// Decimal money and the budget meter, including concurrent charging.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "policy/budget.h"
#include "policy/decimal.h"

namespace nucleus::policy {
namespace {

TEST(Decimal, ParsesExactly) {
  EXPECT_EQ(Decimal::parse("5.00")->nanos(), 5'000'000'000);
  EXPECT_EQ(Decimal::parse("0.1")->nanos(), 100'000'000);
  EXPECT_EQ(Decimal::parse("0.000000001")->nanos(), 1);
  EXPECT_EQ(Decimal::parse("-1.5")->nanos(), -1'500'000'000);
  EXPECT_EQ(Decimal::parse(".5")->nanos(), 500'000'000);
  EXPECT_EQ(Decimal::parse("7")->nanos(), 7'000'000'000);
}

TEST(Decimal, RejectsMalformedText) {
  for (const char* text : {"", "-", ".", "5.", "1e3", "0x10", "+1", " 1", "1 ", "1.0000000001",
                           "1,5", "NaN", "inf", "--1", "1.2.3", "99999999999"}) {
    EXPECT_FALSE(Decimal::parse(text).has_value()) << text;
  }
}

TEST(Decimal, AddsWithoutBinaryRounding) {
  Decimal sum;
  for (int i = 0; i < 10; ++i) sum = *sum.checked_add(*Decimal::parse("0.1"));
  EXPECT_EQ(sum, *Decimal::parse("1"));
  EXPECT_EQ(sum.to_string(), "1.00");
  EXPECT_EQ(Decimal::parse("0.125")->to_string(), "0.125");
  EXPECT_EQ(Decimal::parse("-1.5")->to_string(), "-1.50");
}

TEST(Decimal, DetectsOverflow) {
  const Decimal big = Decimal::from_nanos(INT64_MAX);
  EXPECT_FALSE(big.checked_add(Decimal::from_nanos(1)).has_value());
  EXPECT_FALSE(Decimal::from_nanos(INT64_MIN).checked_sub(Decimal::from_nanos(1)).has_value());
  EXPECT_EQ(Decimal::from_nanos(INT64_MIN).to_string(), "-9223372036.854775808");
}

TEST(BudgetMeter, StopsAtTheLimitAndNamesIt) {
  BudgetMeter meter({Decimal::parse("1.00"), std::nullopt, std::nullopt});
  EXPECT_FALSE(meter.charge_cost(*Decimal::parse("0.60")));
  const auto refused = meter.charge_cost(*Decimal::parse("0.50"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "max_cost_usd 1.00 would be exceeded (spent 0.60, this call costs 0.50)");
  EXPECT_EQ(meter.spent_cost(), *Decimal::parse("0.60"));
  EXPECT_FALSE(meter.charge_cost(*Decimal::parse("0.40")));
  EXPECT_EQ(*meter.exhausted(), "max_cost_usd 1.00 is spent");
}

TEST(BudgetMeter, RejectsNegativeCost) {
  BudgetMeter meter({Decimal::parse("1.00"), std::nullopt, std::nullopt});
  EXPECT_TRUE(meter.charge_cost(*Decimal::parse("-0.5")));
  EXPECT_EQ(meter.spent_cost(), Decimal());
}

TEST(BudgetMeter, ConcurrentChargesNeverOverspend) {
  // 8 threads race to charge 0.01 each 1,000 times against a 25.00 limit:
  // exactly 2,500 charges fit.
  BudgetMeter meter({Decimal::parse("25.00"), std::nullopt, std::nullopt});
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (!meter.charge_cost(*Decimal::parse("0.01"))) accepted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 2500);
  EXPECT_EQ(meter.spent_cost(), *Decimal::parse("25.00"));
}

TEST(BudgetMeter, TokensChargeTogetherOrNotAtAll) {
  BudgetMeter meter({std::nullopt, 100, 10});
  EXPECT_FALSE(meter.charge_tokens(50, 5));
  const auto refused = meter.charge_tokens(10, 6);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("max_output_tokens 10"), std::string::npos) << *refused;
  EXPECT_EQ(meter.spent_input_tokens(), 50u);
  EXPECT_EQ(meter.spent_output_tokens(), 5u);
}

TEST(BudgetMeter, ConcurrentTokenChargesNeverOverspend) {
  BudgetMeter meter({std::nullopt, 1000, std::nullopt});
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!meter.charge_tokens(3, 0)) accepted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 333);
  EXPECT_EQ(meter.spent_input_tokens(), 999u);
}

}  // namespace
}  // namespace nucleus::policy

namespace nucleus::policy {
namespace {

TEST(BudgetMeter, ChargeUpToClipsAtTheLimit) {
  BudgetMeter meter({Decimal::parse("1.00"), std::nullopt, std::nullopt});
  EXPECT_EQ(meter.charge_up_to(*Decimal::parse("0.75")), *Decimal::parse("0.75"));
  EXPECT_EQ(meter.charge_up_to(*Decimal::parse("0.75")), *Decimal::parse("0.25"));
  EXPECT_EQ(meter.charge_up_to(*Decimal::parse("0.10")), Decimal());
  EXPECT_EQ(meter.spent_cost(), *Decimal::parse("1.00"));
  EXPECT_TRUE(meter.charge_cost(*Decimal::parse("0.000000001")));
}

TEST(BudgetMeter, TightenOnlyShrinks) {
  BudgetMeter meter({Decimal::parse("5.00"), std::nullopt, 100});
  meter.tighten({Decimal::parse("9.00"), 50, std::nullopt});
  EXPECT_EQ(meter.limits().max_cost_usd, Decimal::parse("5.00"));
  EXPECT_EQ(meter.limits().max_input_tokens, 50u);
  EXPECT_EQ(meter.limits().max_output_tokens, 100u);
}

}  // namespace
}  // namespace nucleus::policy
