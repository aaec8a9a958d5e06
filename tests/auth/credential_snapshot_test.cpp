#include "auth/credential_snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tern::auth {
namespace {

CredentialSnapshot::Keys keys_of(std::string_view name, std::string_view password) {
  return {*derive_key(PasswordAlgorithm::Md5, name, "r", password),
          *derive_key(PasswordAlgorithm::Sha256, name, "r", password)};
}

TEST(CredentialSnapshot, Lookup_GivesTheKeyOfTheAlgorithm) {
  CredentialSnapshot s;
  s.add_user("alice", "r", keys_of("alice", "pw"));
  for (auto algorithm : {PasswordAlgorithm::Md5, PasswordAlgorithm::Sha256}) {
    CandidateKeys out;
    ASSERT_TRUE(s.lookup("alice", algorithm, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out.keys()[0], derive_key(algorithm, "alice", "r", "pw"));
  }
  CandidateKeys none;
  EXPECT_FALSE(s.lookup("bob", PasswordAlgorithm::Md5, none));
  EXPECT_TRUE(none.empty());
}

TEST(CredentialSnapshot, UserWithoutAKeyOfTheAlgorithm_FindsNothing) {
  CredentialSnapshot s;
  s.add_user("old", "r", {*derive_key(PasswordAlgorithm::Md5, "old", "r", "pw"), Key()});
  CandidateKeys out;
  EXPECT_FALSE(s.lookup("old", PasswordAlgorithm::Sha256, out));
  EXPECT_TRUE(s.lookup("old", PasswordAlgorithm::Md5, out));
}

TEST(CredentialSnapshot, Userhash_NamesTheUserOfThatRealm) {
  CredentialSnapshot s;
  s.add_user("alice", "r", keys_of("alice", "pw"));
  EXPECT_EQ(s.username_for_userhash(userhash("alice", "r")), "alice");
  EXPECT_EQ(s.username_for_userhash(userhash("alice", "other")), std::nullopt);
}

TEST(CredentialSnapshot, SameContent_ComparesUsersSecretsOptionsAndRanges) {
  CredentialSnapshot a;
  a.add_user("alice", "r", keys_of("alice", "pw"));
  a.secrets = {"s"};
  a.options = {1, 2, 3};
  a.allowed_peer_ranges = {"10.0.0.0/8"};
  a.denied_peer_ranges = {"8.8.8.8"};
  CredentialSnapshot b = a;
  EXPECT_TRUE(a.same_content(b));
  for (auto change : std::initializer_list<void (*)(CredentialSnapshot&)>{
           [](CredentialSnapshot& s) { s.add_user("alice", "r", keys_of("alice", "new")); },
           [](CredentialSnapshot& s) { s.secrets.push_back("t"); },
           [](CredentialSnapshot& s) { s.options.max_bps = 4; },
           [](CredentialSnapshot& s) { s.allowed_peer_ranges.clear(); },
           [](CredentialSnapshot& s) { s.denied_peer_ranges.push_back("9.9.9.9"); }}) {
    CredentialSnapshot c = a;
    change(c);
    EXPECT_FALSE(a.same_content(c));
  }
}

TEST(SnapshotCell, StartsEmpty_SetSwaps_AHeldSnapshotStaysWhole) {
  CredentialCell cell;
  EXPECT_TRUE(cell.get()->users.empty());
  auto first = std::make_shared<CredentialSnapshot>();
  first->secrets = {"one"};
  cell.set(first);
  const auto held = cell.get();
  auto second = std::make_shared<CredentialSnapshot>();
  second->secrets = {"two"};
  cell.set(second);
  EXPECT_EQ(held->secrets, std::vector<std::string>{"one"});
  EXPECT_EQ(cell.get()->secrets, std::vector<std::string>{"two"});
}

TEST(SnapshotCell, ReadersDuringSets_AlwaysSeeAWholeSnapshot) {
  CredentialCell cell;
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop) {
      const auto s = cell.get();
      if (s->secrets.size() != s->allowed_peer_ranges.size()) ++torn;
      ++reads;
    }
  });
  // Sets go on until the reader has overlapped them many times: a reader that was never
  // scheduled would prove nothing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 2000 || (reads < 1000 && std::chrono::steady_clock::now() < deadline); ++i) {
    auto s = std::make_shared<CredentialSnapshot>();
    s->secrets.assign(static_cast<size_t>(i % 7), "x");
    s->allowed_peer_ranges.assign(static_cast<size_t>(i % 7), "1.2.3.4");
    cell.set(std::move(s));
  }
  stop = true;
  reader.join();
  EXPECT_GE(reads, 1000);
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace tern::auth
