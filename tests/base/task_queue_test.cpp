// A task the queue accepted always runs, one it refused never does: from close() on every
// post is refused, and what was accepted runs on the loop, before the task close() queued
// last, or in finish() when the loop ended first.
#include "base/task_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/libevent.h"

namespace tern {
namespace {

class TaskQueueTest : public ::testing::Test {
 protected:
  void run_loop() { event_base_loop(base_.get(), EVLOOP_NONBLOCK); }

  EventBasePtr base_{event_base_new()};
  TaskQueue queue_{base_.get()};
  std::string ran_;
};

TEST_F(TaskQueueTest, Posts_RunOnTheLoopInOrder) {
  EXPECT_TRUE(queue_.post([this] { ran_ += 'a'; }));
  EXPECT_TRUE(queue_.post([this] { ran_ += 'b'; }));
  EXPECT_EQ(ran_, "");
  run_loop();
  EXPECT_EQ(ran_, "ab");
}

TEST_F(TaskQueueTest, Close_RefusesLaterPosts_AndRunsItsLastAfterTheAcceptedOnes) {
  ASSERT_TRUE(queue_.post([this] { ran_ += 'a'; }));
  EXPECT_FALSE(queue_.closed());
  queue_.close([this] { ran_ += '.'; });
  EXPECT_TRUE(queue_.closed());
  EXPECT_FALSE(queue_.post([this] { ran_ += 'b'; }));
  queue_.close([this] { ran_ += '!'; });  // again: nothing
  run_loop();
  EXPECT_EQ(ran_, "a.");
}

TEST_F(TaskQueueTest, Finish_RunsWhatTheLoopNeverRan_AndRefusesFromThenOn) {
  ASSERT_TRUE(queue_.post([this] { ran_ += 'a'; }));
  // A task run on the way out that posts again (to its own queue, say) is told no.
  ASSERT_TRUE(queue_.post([this] {
    ran_ += 'b';
    if (!queue_.post([this] { ran_ += 'x'; })) ran_ += '-';
  }));
  queue_.finish();
  EXPECT_EQ(ran_, "ab-");
  EXPECT_FALSE(queue_.post([this] { ran_ += 'c'; }));
  queue_.finish();
  run_loop();
  EXPECT_EQ(ran_, "ab-");
}

TEST_F(TaskQueueTest, ARefusedTask_IsDestroyedUnrun_ItsPosterKeepsWhatItShares) {
  queue_.close();
  auto held = std::make_shared<int>(7);
  EXPECT_FALSE(queue_.post([held, this] { ran_ += 'a'; }));
  EXPECT_EQ(held.use_count(), 1) << "the refused task still holds what it captured";
  queue_.finish();
  EXPECT_EQ(ran_, "");
}

}  // namespace
}  // namespace tern
