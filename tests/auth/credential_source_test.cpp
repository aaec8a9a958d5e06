#include "auth/credential_source.h"

#include <gtest/gtest.h>

namespace tern::auth {
namespace {

TEST(CandidateKeys, HoldsUpToCapacityInOrder) {
  CandidateKeys keys;
  EXPECT_TRUE(keys.empty());
  for (size_t i = 0; i < CandidateKeys::kCapacity; ++i) {
    const std::array<uint8_t, 1> b{static_cast<uint8_t>(i)};
    EXPECT_TRUE(keys.add(Key(PasswordAlgorithm::Md5, b)));
  }
  EXPECT_FALSE(keys.add(Key(PasswordAlgorithm::Md5, std::array<uint8_t, 1>{99})));
  ASSERT_EQ(keys.size(), CandidateKeys::kCapacity);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys.keys()[i].bytes()[0], i);
  keys.clear();
  EXPECT_TRUE(keys.empty());
}

TEST(CredentialSource, DefaultUserhashLookup_KnowsNobody) {
  struct Empty : CredentialSource {
    bool lookup(std::string_view, std::string_view, PasswordAlgorithm, int64_t,
                CandidateKeys&) const override {
      return false;
    }
  } source;
  EXPECT_FALSE(source.supports_userhash());
  EXPECT_FALSE(source.username_for_userhash(userhash("u", "r"), "r"));
}

}  // namespace
}  // namespace tern::auth
