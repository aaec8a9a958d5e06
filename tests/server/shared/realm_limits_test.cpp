#include "server/shared/realm_limits.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "base/socket_address.h"

namespace tern {
namespace {

using auth::CredentialSnapshot;
using auth::RealmOptions;

TEST(EffectiveOptions, NoStoreValue_TheFlagsApply) {
  const RealmOptions flags{3, 100, 20'000};
  EXPECT_EQ(effective_options(flags, {}), flags);
  const std::vector<RealmOptions> unset(2);
  EXPECT_EQ(effective_options(flags, unset), flags);
}

TEST(EffectiveOptions, StoreValueSet_WinsOptionByOption) {
  const std::vector<RealmOptions> stores{{1, 0, 0}};
  EXPECT_EQ(effective_options({3, 100, 20'000}, stores), (RealmOptions{1, 100, 20'000}));
  const std::vector<RealmOptions> bps{{0, 0, 5}};
  EXPECT_EQ(effective_options({}, bps), (RealmOptions{0, 0, 5}));
}

TEST(EffectiveOptions, FirstStoreThatSetsAnOption_Wins) {
  const std::vector<RealmOptions> stores{{0, 7, 0}, {2, 9, 0}};
  EXPECT_EQ(effective_options({}, stores), (RealmOptions{2, 7, 0}));
}

std::shared_ptr<const CredentialSnapshot> ranges(std::vector<std::string> allowed,
                                                 std::vector<std::string> denied) {
  auto s = std::make_shared<CredentialSnapshot>();
  s->allowed_peer_ranges = std::move(allowed);
  s->denied_peer_ranges = std::move(denied);
  return s;
}

TEST(MergeRanges, EveryStoresRanges_SortedOnce) {
  const std::vector stores{ranges({"10.0.0.0/8", "1.2.3.4"}, {"8.8.8.8"}),
                           ranges({"1.2.3.4"}, {"9.9.9.9", "8.8.8.8"})};
  const StoreRanges merged = merge_ranges(stores);
  EXPECT_EQ(merged.allowed, (std::vector<std::string>{"1.2.3.4", "10.0.0.0/8"}));
  EXPECT_EQ(merged.denied, (std::vector<std::string>{"8.8.8.8", "9.9.9.9"}));
}

TransportAddress ip(const char* text) {
  return parse_ip(text, 5000).value_or(TransportAddress{});
}

TEST(WithStoreRanges, AddsToTheConfiguredOnes) {
  PeerPolicyConfig base;
  base.denied.push_back(*IpRange::parse("8.8.8.8"));
  std::vector<std::string> bad;
  const PeerPolicy p(with_store_ranges(base, {{"10.0.0.0/8"}, {"9.9.9.9"}}, bad));
  EXPECT_TRUE(bad.empty());
  EXPECT_EQ(p.check(ip("10.1.2.3")), PeerVerdict::Allowed);
  EXPECT_EQ(p.check(ip("8.8.8.8")), PeerVerdict::Denied);
  EXPECT_EQ(p.check(ip("9.9.9.9")), PeerVerdict::Denied);
  EXPECT_EQ(p.check(ip("9.9.9.10")), PeerVerdict::Allowed);
}

TEST(WithStoreRanges, StoreDenial_BeatsAllowLoopback) {
  PeerPolicyConfig base;
  base.allow_loopback = true;
  std::vector<std::string> bad;
  const PeerPolicy p(with_store_ranges(base, {{}, {"127.0.0.2"}}, bad));
  EXPECT_EQ(p.check(ip("127.0.0.1")), PeerVerdict::Allowed);
  EXPECT_EQ(p.check(ip("127.0.0.2")), PeerVerdict::Denied);
}

TEST(WithStoreRanges, UnparseableRange_IsSkippedAndNamed_TheRestApply) {
  std::vector<std::string> bad;
  const PeerPolicy p(with_store_ranges({}, {{"10.0.0.300", "10.0.0.1"}, {"nonsense"}}, bad));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_NE(bad[0].find("allowed-peer-ip 10.0.0.300"), std::string::npos) << bad[0];
  EXPECT_NE(bad[1].find("denied-peer-ip nonsense"), std::string::npos) << bad[1];
  EXPECT_EQ(p.check(ip("10.0.0.1")), PeerVerdict::Allowed);
}

}  // namespace
}  // namespace tern
