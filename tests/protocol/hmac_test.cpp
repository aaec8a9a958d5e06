// HMAC-SHA1 and HMAC-SHA256: the RFC 2202 and RFC 4231 vectors, agreement with OpenSSL's
// own HMAC() across key and message sizes around the block size, and what a keyed Hmac
// keeps (its key schedule) and does not share (a clone's state).

#include "protocol/hmac.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tern {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
Bytes repeated(uint8_t b, size_t n) {
  return Bytes(n, b);
}
Bytes counting(size_t n, uint8_t first = 1) {
  Bytes v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i * 13);
  return v;
}

std::string hex(std::span<const uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

std::string one_shot(HmacDigest d, const Bytes& key, const Bytes& data) {
  std::array<uint8_t, kHmacMaxSize> out{};
  const size_t n = hmac(d, key, {data}, out);
  return hex(std::span(out).first(n));
}

std::string keyed(Hmac& h, const Bytes& data) {
  std::array<uint8_t, kHmacMaxSize> out{};
  const size_t n = h.mac({data}, out);
  return hex(std::span(out).first(n));
}

std::string openssl_hmac(HmacDigest d, const Bytes& key, const Bytes& data) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> out{};
  unsigned int n = 0;
  const uint8_t none = 0;
  HMAC(d == HmacDigest::Sha1 ? EVP_sha1() : EVP_sha256(), key.empty() ? &none : key.data(),
       static_cast<int>(key.size()), data.data(), data.size(), out.data(), &n);
  return hex(std::span(out).first(n));
}

struct Vector {
  HmacDigest digest;
  Bytes key;
  Bytes data;
  std::string mac;
};

// RFC 2202 §3 test cases 1, 2, 3, 6, 7 and RFC 4231 §4 test cases 1, 2, 3, 6, 7 (6 and 7
// have keys longer than a block, which are hashed first).
std::vector<Vector> rfc_vectors() {
  const auto sha1 = HmacDigest::Sha1;
  const auto sha256 = HmacDigest::Sha256;
  return {
      {sha1, repeated(0x0b, 20), bytes("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"},
      {sha1, bytes("Jefe"), bytes("what do ya want for nothing?"),
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {sha1, repeated(0xaa, 20), repeated(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {sha1, repeated(0xaa, 80), bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
      {sha1, repeated(0xaa, 80),
       bytes("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
       "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
      {sha256, repeated(0x0b, 20), bytes("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {sha256, bytes("Jefe"), bytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {sha256, repeated(0xaa, 20), repeated(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {sha256, repeated(0xaa, 131), bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {sha256, repeated(0xaa, 131),
       bytes("This is a test using a larger than block-size key and a larger than block-size "
             "data. The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

TEST(Hmac, OneShot_RfcVectors) {
  for (const Vector& v : rfc_vectors()) {
    EXPECT_EQ(one_shot(v.digest, v.key, v.data), v.mac) << v.mac;
  }
}

TEST(Hmac, Keyed_RfcVectors) {
  Hmac h;
  for (const Vector& v : rfc_vectors()) {
    ASSERT_TRUE(h.set_key(v.digest, v.key));
    EXPECT_EQ(keyed(h, v.data), v.mac) << v.mac;
  }
}

// Sizes on both sides of a block (64), and of where the length padding spills into a
// second block (56).
TEST(Hmac, BothPaths_AgreeWithOpenSslHmacAcrossKeyAndMessageSizes) {
  Hmac h;
  for (HmacDigest d : {HmacDigest::Sha1, HmacDigest::Sha256}) {
    for (size_t key_size : {0u, 1u, 16u, 20u, 32u, 63u, 64u, 65u, 200u}) {
      const Bytes key = counting(key_size, 7);
      ASSERT_TRUE(h.set_key(d, key));
      for (size_t data_size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 100u, 1000u}) {
        const Bytes data = counting(data_size, 3);
        const std::string expected = openssl_hmac(d, key, data);
        EXPECT_EQ(one_shot(d, key, data), expected) << key_size << " " << data_size;
        EXPECT_EQ(keyed(h, data), expected) << key_size << " " << data_size;
      }
    }
  }
}

TEST(Hmac, Parts_AreHashedAsTheirConcatenation) {
  const Bytes key = bytes("key");
  const Bytes whole = counting(100);
  const std::span<const uint8_t> w(whole);
  std::array<uint8_t, kHmacMaxSize> split{};
  ASSERT_EQ(hmac(HmacDigest::Sha256, key, {w.first(20), w.subspan(20, 0), w.subspan(20)}, split),
            32u);
  EXPECT_EQ(hex(split), one_shot(HmacDigest::Sha256, key, whole));

  Hmac h;
  ASSERT_TRUE(h.set_key(HmacDigest::Sha1, key));
  std::array<uint8_t, kHmacMaxSize> keyed_split{};
  ASSERT_EQ(h.mac({w.first(63), w.subspan(63)}, keyed_split), 20u);
  EXPECT_EQ(hex(std::span(keyed_split).first(20)), one_shot(HmacDigest::Sha1, key, whole));
}

TEST(Hmac, Keyed_SameMessageTwice_SameMac) {
  Hmac h;
  ASSERT_TRUE(h.set_key(HmacDigest::Sha1, bytes("key")));
  const Bytes first = bytes("one message"), second = bytes("another");
  const std::string mac = keyed(h, first);
  EXPECT_EQ(keyed(h, second), one_shot(HmacDigest::Sha1, bytes("key"), second));
  EXPECT_EQ(keyed(h, first), mac);
}

TEST(Hmac, Rekeyed_GivesTheNewKeysMac) {
  const Bytes data = bytes("a message");
  Hmac h;
  ASSERT_TRUE(h.set_key(HmacDigest::Sha1, bytes("first key")));
  const std::string first = keyed(h, data);
  ASSERT_TRUE(h.set_key(HmacDigest::Sha1, bytes("second key")));
  EXPECT_EQ(keyed(h, data), one_shot(HmacDigest::Sha1, bytes("second key"), data));
  EXPECT_NE(keyed(h, data), first);
  ASSERT_TRUE(h.set_key(HmacDigest::Sha256, bytes("first key")));
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(keyed(h, data), one_shot(HmacDigest::Sha256, bytes("first key"), data));
}

TEST(Hmac, Unkeyed_MacsNothing) {
  Hmac h;
  EXPECT_FALSE(h.has_key());
  std::array<uint8_t, kHmacMaxSize> out{};
  EXPECT_EQ(h.mac({bytes("x")}, out), 0u);
  EXPECT_FALSE(h.clone().has_key());
}

TEST(Hmac, Clone_KeepsTheKeyAndIsIndependent) {
  const Bytes data = bytes("a message");
  Hmac original;
  ASSERT_TRUE(original.set_key(HmacDigest::Sha256, bytes("template key")));
  Hmac copy = original.clone();
  ASSERT_TRUE(copy.has_key());
  EXPECT_EQ(copy.digest(), HmacDigest::Sha256);
  const std::string expected = one_shot(HmacDigest::Sha256, bytes("template key"), data);
  EXPECT_EQ(keyed(copy, data), expected);

  // Re-keying or using one leaves the other as it was.
  ASSERT_TRUE(original.set_key(HmacDigest::Sha1, bytes("other key")));
  EXPECT_EQ(keyed(copy, data), expected);
  EXPECT_EQ(keyed(original, data), one_shot(HmacDigest::Sha1, bytes("other key"), data));
  EXPECT_EQ(keyed(copy, data), expected);
}

TEST(Hmac, MovedFrom_IsUnkeyed) {
  Hmac a;
  ASSERT_TRUE(a.set_key(HmacDigest::Sha1, bytes("key")));
  Hmac b = std::move(a);
  EXPECT_TRUE(b.has_key());
  EXPECT_FALSE(a.has_key());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_EQ(keyed(b, bytes("m")), one_shot(HmacDigest::Sha1, bytes("key"), bytes("m")));
}

// What a worker pool does: one clone per thread, each used only there.
TEST(Hmac, ClonesUsedOnTheirOwnThreads_AllAgree) {
  Hmac source;
  ASSERT_TRUE(source.set_key(HmacDigest::Sha256, bytes("shared key")));
  const Bytes data = counting(80);
  const std::string expected = one_shot(HmacDigest::Sha256, bytes("shared key"), data);
  std::vector<Hmac> clones;
  for (int i = 0; i < 4; ++i) clones.push_back(source.clone());
  std::vector<int> wrong(clones.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < clones.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) wrong[t] += keyed(clones[t], data) != expected;
    });
  }
  for (auto& t : threads) t.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace tern
