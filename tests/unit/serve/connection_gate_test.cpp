// ConnectionGate: the total and per-address bounds, and that tickets give their place back.
#include "lmforge/serve/connection_gate.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace lmforge::serve {
namespace {

using Verdict = ConnectionGate::Verdict;

TEST(ConnectionGate, BoundsPerAddressThenInTotal) {
  ConnectionGate gate(/*capacity=*/4, /*per_address=*/3);
  std::vector<ConnectionGate::Ticket> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(gate.enter("10.0.0.1"));
    EXPECT_EQ(held.back().verdict(), Verdict::kAdmitted);
  }
  EXPECT_EQ(gate.enter("10.0.0.1").verdict(), Verdict::kTooManyFromAddress);
  held.push_back(gate.enter("10.0.0.2"));
  EXPECT_EQ(held.back().verdict(), Verdict::kAdmitted);
  EXPECT_EQ(gate.enter("10.0.0.3").verdict(), Verdict::kBusy);
  EXPECT_EQ(gate.open(), 4);  // refused tickets hold nothing
  EXPECT_EQ(gate.open_from("10.0.0.1"), 3);
  held.erase(held.begin());  // one of 10.0.0.1's closes
  EXPECT_EQ(gate.open(), 3);
  EXPECT_EQ(gate.open_from("10.0.0.1"), 2);
  EXPECT_EQ(gate.enter("10.0.0.3").verdict(), Verdict::kAdmitted);  // released again at once
  held.clear();
  EXPECT_EQ(gate.open(), 0);
  EXPECT_EQ(gate.open_from("10.0.0.2"), 0);
}

TEST(ConnectionGate, MovedTicketsReleaseOnce) {
  ConnectionGate gate(2, 2);
  std::optional<ConnectionGate::Ticket> a(gate.enter("a"));
  {
    ConnectionGate::Ticket b(std::move(*a));
    a.reset();  // the moved-from ticket releases nothing
    EXPECT_EQ(gate.open(), 1);
  }
  EXPECT_EQ(gate.open(), 0);
  EXPECT_EQ(ConnectionGate(3, 99).per_address(), 3);  // clamped to the capacity
}

}  // namespace
}  // namespace lmforge::serve
