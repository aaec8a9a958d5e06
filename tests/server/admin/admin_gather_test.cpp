// gather() asks every worker on its own thread and answers on the admin thread: a worker
// that stopped refuses the task, and its part is then a Part{}, so an admin request made
// while ternd stops (the sessions list, a kill, the stats) is still answered.

#include "server/admin/admin_gather.h"

#include <event2/thread.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "base/log.h"
#include "server/shared/challenge_limiter.h"

namespace tern {
namespace {

using namespace std::chrono_literals;

class AdminGatherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static const int threads = evthread_use_pthreads();  // as ternd's main does first
    ASSERT_EQ(threads, 0);
    auto log = Logger::open("stderr", LogLevel::Error);
    ASSERT_TRUE(log) << log.error();
    log_ = std::move(*log);
    options_.limits = &limits_;
    for (unsigned i = 0; i < 3; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, options_, nullptr, *log_));
      workers_.back()->start();
    }
  }

  // Each worker's index + 1, gathered on the test's loop; nullopt when `done` never ran.
  std::optional<std::vector<unsigned>> gathered() {
    std::optional<std::vector<unsigned>> out;
    gather<unsigned>(
        workers_, home_, [](Worker& w) { return w.index() + 1; },
        [&out](std::vector<unsigned> parts) { out = std::move(parts); });
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!out && std::chrono::steady_clock::now() < end) {
      const timeval tick{0, 10'000};
      event_base_loopexit(base_.get(), &tick);
      event_base_loop(base_.get(), 0);
    }
    return out;
  }

  std::unique_ptr<Logger> log_;
  UnauthenticatedLimits limits_{0, 0};
  DispatchOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  EventBasePtr base_{event_base_new()};
  TaskQueue home_{base_.get()};
};

TEST_F(AdminGatherTest, EveryWorkerAnswers_InTheWorkersOrder) {
  EXPECT_EQ(gathered(), (std::vector<unsigned>{1, 2, 3}));
}

TEST_F(AdminGatherTest, AStoppedWorkersPart_IsEmpty_TheOthersStillAnswer) {
  workers_[1]->stop();
  workers_[1]->join();
  EXPECT_EQ(gathered(), (std::vector<unsigned>{1, 0, 3}));
}

TEST_F(AdminGatherTest, EveryWorkerStopped_StillAnswers) {
  for (auto& w : workers_) w->stop();
  for (auto& w : workers_) w->join();
  EXPECT_EQ(gathered(), (std::vector<unsigned>{0, 0, 0}));
}

}  // namespace
}  // namespace tern
