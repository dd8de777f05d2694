#include "accounting/estimates.h"

#include <gtest/gtest.h>

#include <random>

namespace switchyard::accounting {
namespace {

canonical::TokenPrice price(double input, double output, double cached) {
  return {.input_per_mtok = input,
          .output_per_mtok = output,
          .cached_input_per_mtok = cached,
          .known = true};
}

TEST(Estimates, ThePromptBoundIsTheBodysBytes) {
  EXPECT_EQ(promptTokensUpperBound(0), 0);
  EXPECT_EQ(promptTokensUpperBound(12345), 12345);
}

TEST(Estimates, TheReservationPricesEveryPromptAndOutputToken) {
  // 1000 prompt tokens at $3/M and 500 output at $15/M: $0.0105.
  const std::int64_t nano = reservationNanoUsd(1000, 500, price(3, 15, 0.3));
  EXPECT_GE(nano, 10'500'000);
  EXPECT_LE(nano, 10'500'002);
  EXPECT_EQ(reservationNanoUsd(1000, 500, canonical::TokenPrice{}), 0);  // unpriced
  EXPECT_EQ(reservationNanoUsd(-5, -5, price(3, 15, 3)), 1);  // nothing but the rounding nano
}

TEST(Estimates, ACachePriceAboveTheInputPriceIsTheOneReserved) {
  EXPECT_GE(reservationNanoUsd(1'000'000, 0, price(1, 0, 2)), 2'000'000'000);
}

// The claim budgets rely on: no usage within the bounds costs more than the reservation.
TEST(Estimates, NoUsageWithinTheBoundsCostsMoreThanTheReservation) {
  std::mt19937_64 random(13);
  std::uniform_int_distribution<std::int64_t> tokens(0, 300'000);
  std::uniform_real_distribution<double> dollars(0, 80);
  for (int i = 0; i < 20'000; ++i) {
    const canonical::TokenPrice p = price(dollars(random), dollars(random), dollars(random));
    const std::int64_t prompt = tokens(random), output = tokens(random);
    const std::int64_t reserved = reservationNanoUsd(prompt, output, p);
    canonical::Usage usage;
    usage.input_tokens = std::uniform_int_distribution<std::int64_t>(0, prompt)(random);
    usage.cache_read_tokens =
        std::uniform_int_distribution<std::int64_t>(0, usage.input_tokens)(random);
    usage.output_tokens = std::uniform_int_distribution<std::int64_t>(0, output)(random);
    ASSERT_LE(canonical::costNanoUsd(usage, p), reserved)
        << prompt << " " << output << " " << usage.input_tokens << " " << usage.cache_read_tokens;
    usage.input_tokens = prompt;
    usage.cache_read_tokens = 0;
    usage.output_tokens = output;
    ASSERT_LE(canonical::costNanoUsd(usage, p), reserved);
  }
}

}  // namespace
}  // namespace switchyard::accounting
