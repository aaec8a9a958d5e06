#include "auth/nonce.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace tern::auth {
namespace {

constexpr std::array<uint8_t, NonceIssuer::kKeySize> kKey = {1, 2, 3, 4, 5, 6, 7, 8};
constexpr int64_t kNow = 1'700'000'000;
constexpr FeatureBits kAlgorithms{.password_algorithms = true};

const TransportAddress kClient = TransportAddress::v4({192, 0, 2, 1}, 40000);

NonceIssuer issuer() {
  return NonceIssuer(kKey, 600);
}

TEST(Nonce, FreshNonce_IsValidUntilItsExpiry) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(n.check(nonce, kClient, kNow).status, NonceStatus::Valid);
  EXPECT_EQ(n.check(nonce, kClient, kNow + 600).status, NonceStatus::Valid);
}

TEST(Nonce, AfterLifetime_IsStale) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  const auto c = n.check(nonce, kClient, kNow + 601);
  EXPECT_EQ(c.status, NonceStatus::Stale);
  EXPECT_EQ(c.features, kAlgorithms);
}

TEST(Nonce, StartsWithCookieAndIsShortQuotedStringSafe) {
  const std::string nonce = issuer().issue(kClient, kNow, kAlgorithms);
  EXPECT_TRUE(nonce.starts_with("obMatJos2AAAB"));
  EXPECT_LE(nonce.size(), 128u);
  for (char c : nonce) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/' ||
                c == '+')
        << nonce;
  }
}

TEST(Nonce, FromAnotherIp_IsInvalid) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(n.check(nonce, TransportAddress::v4({192, 0, 2, 2}, 40000), kNow).status,
            NonceStatus::Invalid);
  EXPECT_EQ(n.check(nonce, TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8}, 40000), kNow).status,
            NonceStatus::Invalid);
}

TEST(Nonce, FromAnotherPortOfTheSameIp_IsValid) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(n.check(nonce, TransportAddress::v4({192, 0, 2, 1}, 3478), kNow).status,
            NonceStatus::Valid);
}

TEST(Nonce, V4MappedV6FormOfTheSameIp_IsValid) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  const auto mapped =
      TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1}, 5);
  EXPECT_EQ(n.check(nonce, mapped, kNow).status, NonceStatus::Valid);
}

TEST(Nonce, AnyCharacterChanged_IsInvalid) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  for (size_t i = 0; i < nonce.size(); ++i) {
    for (char replacement : {'A', 'B', 'z', '-', '_', '0', 'w'}) {
      std::string tampered = nonce;
      if (tampered[i] == replacement) continue;
      tampered[i] = replacement;
      EXPECT_EQ(n.check(tampered, kClient, kNow).status, NonceStatus::Invalid)
          << "position " << i << ": " << tampered;
    }
  }
}

TEST(Nonce, StrippedFeatureBit_IsInvalid) {
  // A man in the middle turning "AAAB" into "AAAA" to hide PASSWORD-ALGORITHMS support.
  const auto n = issuer();
  std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  nonce.replace(9, 4, "AAAA");
  EXPECT_EQ(n.check(nonce, kClient, kNow).status, NonceStatus::Invalid);
}

TEST(Nonce, TruncatedExtendedOrForeign_IsInvalid) {
  const auto n = issuer();
  const std::string nonce = n.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(n.check(nonce.substr(0, nonce.size() - 1), kClient, kNow).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check(nonce + "A", kClient, kNow).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check("", kClient, kNow).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check("f//499k954d6OL34oL9FSTvy64sA", kClient, kNow).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA", kClient, kNow).status,
            NonceStatus::Invalid);
}

TEST(Nonce, IssuedWithAnotherKey_IsInvalid) {
  std::array<uint8_t, NonceIssuer::kKeySize> other = kKey;
  other[0] ^= 1;
  const std::string nonce = NonceIssuer(other, 600).issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(issuer().check(nonce, kClient, kNow).status, NonceStatus::Invalid);
}

TEST(Nonce, RandomKeys_DifferBetweenIssuers) {
  const NonceIssuer a, b;
  EXPECT_NE(a.issue(kClient, kNow, kAlgorithms), b.issue(kClient, kNow, kAlgorithms));
  EXPECT_EQ(a.check(a.issue(kClient, kNow, kAlgorithms), kClient, kNow).status, NonceStatus::Valid);
  EXPECT_EQ(a.lifetime_seconds(), NonceIssuer::kDefaultLifetimeSeconds);
}

TEST(Nonce, FeatureBits_RoundTrip) {
  const auto n = issuer();
  for (bool algorithms : {false, true}) {
    for (bool anonymity : {false, true}) {
      const FeatureBits bits{.password_algorithms = algorithms, .username_anonymity = anonymity};
      const std::string nonce = n.issue(kClient, kNow, bits);
      const auto c = n.check(nonce, kClient, kNow);
      EXPECT_EQ(c.status, NonceStatus::Valid);
      EXPECT_EQ(c.features, bits);
      EXPECT_EQ(nonce_cookie_features(nonce), bits);
    }
  }
}

TEST(Nonce, CookieFeatures_ReadsRfc8489B1NonceAsUsernameAnonymity) {
  const auto bits = nonce_cookie_features("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
  ASSERT_TRUE(bits);
  EXPECT_FALSE(bits->password_algorithms);
  EXPECT_TRUE(bits->username_anonymity);
  EXPECT_EQ(bits->to_u24(), 0x000002u);
  EXPECT_FALSE(nonce_cookie_features("f//499k954d6OL34oL9FSTvy64sA"));
  EXPECT_FALSE(nonce_cookie_features("obMatJos2AA"));
  EXPECT_FALSE(nonce_cookie_features("obMatJos2AA\"A"));
}

TEST(Nonce, DifferentClientsOrTimes_GetDifferentNonces) {
  const auto n = issuer();
  std::set<std::string> seen;
  seen.insert(n.issue(kClient, kNow, kAlgorithms));
  seen.insert(n.issue(kClient, kNow + 1, kAlgorithms));
  seen.insert(n.issue(TransportAddress::v4({192, 0, 2, 2}, 1), kNow, kAlgorithms));
  EXPECT_EQ(seen.size(), 3u);
}

// Pinned before the HMAC moved to protocol/hmac: nonces already handed out (and other
// nodes sharing the key) must keep checking.
TEST(Nonce, KnownKeyClientAndTime_GiveTheSameNonceAsBefore) {
  const auto n = issuer();
  EXPECT_EQ(n.issue(kClient, kNow, kAlgorithms), "obMatJos2AAABZVPzWAAz18MBAxfhYtoRmw");
  const auto v6 =
      TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 40000);
  EXPECT_EQ(n.issue(v6, kNow, {.password_algorithms = true, .username_anonymity = true}),
            "obMatJos2AAADZVPzWJSQs2yQS-uDgN3rzQ");
}

TEST(NonceContext, IssuesTheIssuersNonces) {
  const auto n = issuer();
  auto ctx = n.context();
  const auto v6 =
      TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 40000);
  for (const auto& client : {kClient, v6}) {
    for (int64_t t : {kNow, kNow + 1, kNow + 86400}) {
      EXPECT_EQ(ctx.issue(client, t, kAlgorithms), n.issue(client, t, kAlgorithms));
    }
  }
}

TEST(NonceContext, ChecksAsTheIssuerDoes) {
  const auto n = issuer();
  auto ctx = n.context();
  const std::string by_issuer = n.issue(kClient, kNow, kAlgorithms);
  const std::string by_context = ctx.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(ctx.check(by_issuer, kClient, kNow).status, NonceStatus::Valid);
  EXPECT_EQ(n.check(by_context, kClient, kNow).status, NonceStatus::Valid);
  const auto stale = ctx.check(by_issuer, kClient, kNow + 601);
  EXPECT_EQ(stale.status, NonceStatus::Stale);
  EXPECT_EQ(stale.features, kAlgorithms);
  EXPECT_EQ(ctx.check(by_issuer, TransportAddress::v4({192, 0, 2, 2}, 1), kNow).status,
            NonceStatus::Invalid);
  std::string tampered = by_issuer;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ctx.check(tampered, kClient, kNow).status, NonceStatus::Invalid);
  EXPECT_EQ(ctx.check("", kClient, kNow).status, NonceStatus::Invalid);
}

TEST(NonceContext, OfAnotherIssuer_RefusesThisIssuersNonces) {
  const auto n = issuer();
  std::array<uint8_t, NonceIssuer::kKeySize> other_key = kKey;
  other_key[31] ^= 0x80;
  const NonceIssuer other(other_key, 600);
  auto other_ctx = other.context();
  EXPECT_EQ(other_ctx.check(n.issue(kClient, kNow, kAlgorithms), kClient, kNow).status,
            NonceStatus::Invalid);
}

// What ternd's workers do: one context each, on their own threads, one issuer.
TEST(NonceContext, OnePerThread_AllAgreeWithTheIssuer) {
  const auto n = issuer();
  std::vector<NonceContext> contexts;
  for (int i = 0; i < 4; ++i) contexts.push_back(n.context());
  std::vector<int> wrong(contexts.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < contexts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const auto client = TransportAddress::v4({10, 0, static_cast<uint8_t>(t), 1}, 1);
        const std::string nonce = contexts[t].issue(client, kNow + i, kAlgorithms);
        wrong[t] += nonce != n.issue(client, kNow + i, kAlgorithms);
        wrong[t] += contexts[t].check(nonce, client, kNow).status != NonceStatus::Valid;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

// --stateless-nonce-secret: every node derives the same key from one secret.
TEST(NonceSecret, SameSecret_NodesAcceptEachOthersNonces_OtherSecretDoesNot) {
  const NonceIssuer a(NonceIssuer::key_from_secret("fleet-secret"), 600);
  const NonceIssuer b(NonceIssuer::key_from_secret("fleet-secret"), 600);
  const NonceIssuer c(NonceIssuer::key_from_secret("fleet-secret2"), 600);
  const std::string nonce = a.issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(b.check(nonce, kClient, kNow).status, NonceStatus::Valid);
  EXPECT_EQ(c.check(nonce, kClient, kNow).status, NonceStatus::Invalid);
}

TEST(NonceRotation, NewKeySigns_OldNoncesStayValidForOneLifetime) {
  NonceIssuer n(kKey, 600);
  const std::string before = n.issue(kClient, kNow, kAlgorithms);
  const auto next = NonceIssuer::key_from_secret("next");
  EXPECT_TRUE(n.rotate(next, kNow + 100));
  const std::string after = n.issue(kClient, kNow + 100, kAlgorithms);
  EXPECT_EQ(after, NonceIssuer(next, 600).issue(kClient, kNow + 100, kAlgorithms));
  EXPECT_EQ(n.check(before, kClient, kNow + 100).status, NonceStatus::Valid);
  EXPECT_EQ(n.check(before, kClient, kNow + 600).status, NonceStatus::Valid);
  EXPECT_EQ(n.check(before, kClient, kNow + 601).status, NonceStatus::Stale);
  // Past the grace period the old key is forgotten: its nonces are no longer ours.
  EXPECT_EQ(n.check(before, kClient, kNow + 701).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check(after, kClient, kNow + 700).status, NonceStatus::Valid);
}

TEST(NonceRotation, OldKeyCannotVouchForNoncesPastItsGracePeriod) {
  NonceIssuer n(kKey, 600);
  ASSERT_TRUE(n.rotate(NonceIssuer::key_from_secret("next"), kNow));
  // Whoever still holds the retired key mints a nonce that would expire later.
  const std::string forged = NonceIssuer(kKey, 3600).issue(kClient, kNow, kAlgorithms);
  EXPECT_EQ(n.check(forged, kClient, kNow).status, NonceStatus::Invalid);
}

TEST(NonceRotation, SameKeyAgain_ChangesNothing) {
  NonceIssuer n(kKey, 600);
  const std::string before = n.issue(kClient, kNow, kAlgorithms);
  EXPECT_FALSE(n.rotate(kKey, kNow + 10));
  EXPECT_EQ(n.issue(kClient, kNow, kAlgorithms), before);
}

TEST(NonceRotation, SecondRotation_DropsTheOldestKey) {
  NonceIssuer n(kKey, 600);
  const std::string first = n.issue(kClient, kNow, kAlgorithms);
  ASSERT_TRUE(n.rotate(NonceIssuer::key_from_secret("second"), kNow + 1));
  const std::string second = n.issue(kClient, kNow + 1, kAlgorithms);
  ASSERT_TRUE(n.rotate(NonceIssuer::key_from_secret("third"), kNow + 2));
  EXPECT_EQ(n.check(first, kClient, kNow + 2).status, NonceStatus::Invalid);
  EXPECT_EQ(n.check(second, kClient, kNow + 2).status, NonceStatus::Valid);
}

// Workers hold contexts made before the rotation (SIGHUP on the main thread).
TEST(NonceRotation, ExistingContext_FollowsTheIssuer) {
  NonceIssuer n(kKey, 600);
  auto ctx = n.context();
  const std::string before = ctx.issue(kClient, kNow, kAlgorithms);
  ASSERT_TRUE(n.rotate(NonceIssuer::key_from_secret("next"), kNow + 5));
  const std::string after = ctx.issue(kClient, kNow + 5, kAlgorithms);
  EXPECT_EQ(after, n.issue(kClient, kNow + 5, kAlgorithms));
  EXPECT_NE(after, NonceIssuer(kKey, 600).issue(kClient, kNow + 5, kAlgorithms));
  EXPECT_EQ(ctx.check(before, kClient, kNow + 5).status, NonceStatus::Valid);
  EXPECT_EQ(ctx.check(after, kClient, kNow + 5).status, NonceStatus::Valid);
  EXPECT_EQ(ctx.check(before, kClient, kNow + 606).status, NonceStatus::Invalid);
}

TEST(NonceRotation, WhileContextsCheckOnOtherThreads_EveryAnswerIsOneOfTheKeys) {
  NonceIssuer n(kKey, 600);
  const auto next = NonceIssuer::key_from_secret("next");
  const std::string old_nonce = NonceIssuer(kKey, 600).issue(kClient, kNow, kAlgorithms);
  const std::string new_nonce = NonceIssuer(next, 600).issue(kClient, kNow, kAlgorithms);
  std::vector<NonceContext> contexts;
  for (int i = 0; i < 3; ++i) contexts.push_back(n.context());
  std::vector<int> wrong(contexts.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < contexts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        // The old nonce is valid before and after the rotation (grace period).
        wrong[t] += contexts[t].check(old_nonce, kClient, kNow).status != NonceStatus::Valid;
      }
    });
  }
  n.rotate(next, kNow);
  for (auto& t : threads) t.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
  for (auto& ctx : contexts) {
    EXPECT_EQ(ctx.check(new_nonce, kClient, kNow).status, NonceStatus::Valid);
  }
}

}  // namespace
}  // namespace tern::auth
