#include "sim/fault_queue.h"

#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

Fault status(unsigned code) {
  Fault fault;
  fault.status = code;
  return fault;
}

TEST(FaultQueue, EmptyQueueAnswersNormally) {
  FaultQueue queue;
  EXPECT_FALSE(queue.next());
}

TEST(FaultQueue, WithoutLoopEachFaultIsUsedOnce) {
  FaultQueue queue;
  queue.set({status(503), Fault{}, status(429)}, false);
  EXPECT_EQ(queue.next(), status(503));
  EXPECT_EQ(queue.next(), Fault{});
  EXPECT_EQ(queue.next(), status(429));
  EXPECT_FALSE(queue.next());
  EXPECT_FALSE(queue.next());
}

TEST(FaultQueue, LoopCyclesForever) {
  FaultQueue queue;
  queue.set({status(503), Fault{}}, true);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(queue.next(), status(503));
    EXPECT_EQ(queue.next(), Fault{});
  }
}

TEST(FaultQueue, SetReplacesAndClearEmpties) {
  FaultQueue queue;
  queue.set({status(500), status(501)}, true);
  queue.next();
  queue.set({status(502)}, false);
  EXPECT_EQ(queue.next(), status(502));
  queue.set({status(503)}, true);
  queue.clear();
  EXPECT_FALSE(queue.next());
  EXPECT_FALSE(queue.loop());
}

TEST(FaultQueue, PendingShowsWhatComesNextInOrder) {
  FaultQueue queue;
  queue.set({status(500), status(501), status(502)}, true);
  queue.next();
  EXPECT_EQ(queue.pending(), (std::vector<Fault>{status(501), status(502), status(500)}));
  queue.set({status(500), status(501)}, false);
  queue.next();
  EXPECT_EQ(queue.pending(), (std::vector<Fault>{status(501)}));
}

}  // namespace
}  // namespace switchyard::sim
