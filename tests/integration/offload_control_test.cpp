// The kernel fast path follows ternd's decisions (issue #16): the program relays a channel
// only while ternd would. After a Refresh with lifetime 0, an admin kill, or a drain that
// ends, nothing more goes through it (its map entries would otherwise relay until the
// allocation's deadline, minutes later, with the relay socket closed; a drain ends with
// ternd's exit, and its links go with it); a max-bps that a reload lifts is lifted in
// the program too. On the fixture of
// offload_fixture.h; root only, skipped elsewhere.

#include <gtest/gtest.h>

#include "tests/integration/offload_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class OffloadControl : public Offload {
 protected:
  // Neither way gets through any more: not to the peer, not back to the client.
  void relays_nothing(const std::string& after) {
    for (unsigned i = 0; i < 3; ++i) {
      EXPECT_FALSE(reaches_peer(500 + i, 300ms)) << "datagram " << i << " after " << after;
      ASSERT_TRUE(peer_->send_to(relayed_, data(16, i)));
      EXPECT_FALSE(client_->receive_data(300ms))
          << "datagram " << i << " from the peer after " << after;
    }
  }

  void reload(const TempDir& dir) {
    const auto run = run_ternctl(
        {"reload", "--server", "127.0.0.1:" + std::to_string(kAdminPort), "--token", kToken},
        dir.path());
    ASSERT_TRUE(run.status.clean()) << run.out << run.err;
  }

  // Sends `count` datagrams of `size` bytes to the peer, reading as it goes (so the peer's
  // receive buffer does not drop what the relay passed), and returns how many arrived.
  size_t to_peer_of(size_t count, size_t size) {
    size_t got = 0;
    const auto drain = [&](std::chrono::milliseconds wait) {
      while (auto d = peer_->receive(wait)) {
        EXPECT_EQ(d->data.size(), size);
        ++got;
        wait = 0ms;
      }
    };
    for (size_t i = 0; i < count; ++i) {
      EXPECT_TRUE(client_->send_channel_data(kChannel, data(size, static_cast<unsigned>(i))));
      if (i % 10 == 9) drain(0ms);
    }
    drain(500ms);
    return got;
  }
};

TEST_P(OffloadControl, AfterARefreshOfLifetimeZero_NothingIsRelayed) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  ASSERT_TRUE(IsSuccess(client_->refresh(0)));
  relays_nothing("the allocation was deleted");
}

TEST_P(OffloadControl, AfterAnAdminKill_NothingIsRelayed) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  auto killed = http("POST", "/v1/sessions/kill?user=alice", kToken, kAdminPort);
  ASSERT_TRUE(killed && killed->status == 200) << (killed ? killed->body : "no answer");
  relays_nothing("the kill was answered");
}

TEST_P(OffloadControl, ADrainThatEnds_LeavesNothingRelaying) {
  ASSERT_NO_FATAL_FAILURE(start({"--drain-timeout", "1"}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  auto drained = http("POST", "/v1/drain", kToken, kAdminPort);
  ASSERT_TRUE(drained && drained->status == 200) << (drained ? drained->body : "no answer");
  // Allocations go on while the drain lasts, in the kernel too.
  ASSERT_NO_FATAL_FAILURE(round_trip(100, 40));
  for (int i = 0; i < 100 && ternd_->running(); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_FALSE(ternd_->running()) << "the drain did not end: " << ternd_->log();
  relays_nothing("the drain ended");
}

// A cap that a reload lifts: the program lets everything through again, itself (a cap
// set by a reload: Offload.ACapSetByAReload_IsKeptByTheProgram).
TEST_P(OffloadControl, AMaxBpsLiftedByAReload_TheProgramLetsEverythingThrough) {
  constexpr size_t kSize = 1000, kCount = 150;  // 150 kB: over the 65,535 B burst
  TempDir dir;
  const auto conf = dir.path() / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "max-bps=20000\n"));
  ASSERT_NO_FATAL_FAILURE(start({"-c", conf.string()}));
  ASSERT_NO_FATAL_FAILURE(relayed_by_the_program());
  EXPECT_LT(to_peer_of(kCount, kSize), kCount) << "under the cap";
  const uint64_t before = metrics_until([](auto&) { return true; })[kOffloaded];

  ASSERT_TRUE(write_file(conf, "\n"));
  ASSERT_NO_FATAL_FAILURE(reload(dir));
  EXPECT_EQ(to_peer_of(kCount, kSize), kCount) << "once the cap is lifted";
  EXPECT_GE(metrics_until([&](auto& m) { return m[kOffloaded] >= before + kCount; })[kOffloaded],
            before + kCount)
      << "the program did not relay them: " << ternd_->log();
}

INSTANTIATE_TEST_SUITE_P(IpVersions, OffloadControl, both_ip_versions(), ShortVersionName());

}  // namespace
}  // namespace tern::test
