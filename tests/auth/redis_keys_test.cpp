// coturn's Redis key schema and tern's additions (auth/redis_keys.h).
#include "auth/redis_keys.h"

#include <gtest/gtest.h>

namespace tern::auth::redis_keys {
namespace {

using Kind = StoreError::Kind;

TEST(RedisKeys, Names_AreCoturns) {
  EXPECT_EQ(user_field("north.gov", "gorst", UserField::Md5Key),
            "turn/realm/north.gov/user/gorst/key");
  EXPECT_EQ(user_field("r", "a", UserField::Password), "turn/realm/r/user/a/password");
  EXPECT_EQ(user_field("r", "a", UserField::Sha256Key), "turn/realm/r/user/a/sha256-key");
  EXPECT_EQ(secrets("r"), "turn/realm/r/secret");
  EXPECT_EQ(realm_option("r", RealmOption::UserQuota), "turn/realm/r/user-quota");
  EXPECT_EQ(realm_option("r", RealmOption::TotalQuota), "turn/realm/r/total-quota");
  EXPECT_EQ(realm_option("r", RealmOption::MaxBps), "turn/realm/r/max-bps");
  EXPECT_EQ(peer_list("r", PeerList::Allowed), "turn/realm/r/allowed-peer-ip");
  EXPECT_EQ(peer_list("r", PeerList::Denied), "turn/realm/r/denied-peer-ip");
}

TEST(RedisKeys, ParseUserKey_RoundTripsEveryField) {
  for (auto field : {UserField::Md5Key, UserField::Sha256Key, UserField::Password}) {
    const auto parsed = parse_user_key(user_field("r", "alice", field), "r");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->name, "alice");
    EXPECT_EQ(parsed->field, field);
  }
}

TEST(RedisKeys, ParseUserKey_NameWithSlashes_KeepsThem) {
  const auto parsed = parse_user_key("turn/realm/r/user/a/key/b/key", "r");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "a/key/b");
  EXPECT_EQ(parsed->field, UserField::Md5Key);
}

TEST(RedisKeys, ParseUserKey_OtherRealmsAndKeys_AreNotUsers) {
  EXPECT_FALSE(parse_user_key("turn/realm/r2/user/a/key", "r"));
  EXPECT_FALSE(parse_user_key("turn/realm/r/user/a/status", "r"));
  EXPECT_FALSE(parse_user_key("turn/realm/r/user//key", "r"));
  EXPECT_FALSE(parse_user_key("turn/realm/r/secret", "r"));
  EXPECT_FALSE(parse_user_key("turn/user/a/password", "r"));
}

TEST(RedisKeys, Patterns_EscapeGlobCharactersInTheRealm) {
  EXPECT_EQ(users_pattern("north.gov"), "turn/realm/north.gov/user/*");
  EXPECT_EQ(users_pattern("a*b?[c]\\"), "turn/realm/a\\*b\\?\\[c\\]\\\\/user/*");
  EXPECT_EQ(realm_keys_pattern("r*"), "turn/realm/r\\*/*");
}

TEST(RedisKeys, RealmOf_IsTheFirstPathElement) {
  EXPECT_EQ(realm_of("turn/realm/north.gov/secret"), "north.gov");
  EXPECT_EQ(realm_of("turn/realm/r/user/a/key"), "r");
  EXPECT_FALSE(realm_of("turn/origin/x"));
  EXPECT_FALSE(realm_of("turn/realm/nothing-after"));
}

TEST(RedisKeys, Hex_RoundTripsAndRejectsBadLengthsAndDigits) {
  const auto key = key_from_hex(PasswordAlgorithm::Md5, "8493FBC53BA582FB4C044C456BDC40EB");
  ASSERT_TRUE(key);
  EXPECT_EQ(to_hex(key->bytes()), "8493fbc53ba582fb4c044c456bdc40eb");
  EXPECT_FALSE(key_from_hex(PasswordAlgorithm::Md5, "8493fbc53ba582fb4c044c456bdc40e"));
  EXPECT_FALSE(key_from_hex(PasswordAlgorithm::Md5, "8493fbc53ba582fb4c044c456bdc40eg"));
  EXPECT_FALSE(key_from_hex(PasswordAlgorithm::Sha256, "8493fbc53ba582fb4c044c456bdc40eb"));
}

TEST(RedisKeys, Sha256Value_BindsTheMd5Key) {
  const auto md5 = *derive_key(PasswordAlgorithm::Md5, "user", "realm", "pass");
  const auto sha256 = *derive_key(PasswordAlgorithm::Sha256, "user", "realm", "pass");
  const std::string value = sha256_value(sha256, md5);
  EXPECT_EQ(value, to_hex(sha256.bytes()) + ":8493fbc53ba582fb4c044c456bdc40eb");
  const auto parsed = parse_sha256_value(value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->sha256, sha256);
  EXPECT_EQ(parsed->md5, md5);
}

TEST(RedisKeys, Sha256Value_BareHexIsAccepted_GarbageIsNot) {
  const std::string hex(64, 'a');
  const auto parsed = parse_sha256_value(hex);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->md5);
  EXPECT_FALSE(parse_sha256_value(hex + ":zz"));
  EXPECT_FALSE(parse_sha256_value("abc"));
  EXPECT_FALSE(parse_sha256_value(""));
}

TEST(RedisKeys, CheckRealm_RefusesSlashAndSqliteStoresRefusals) {
  EXPECT_FALSE(check_realm("north.gov"));
  EXPECT_EQ(check_realm("a/b")->kind, Kind::InvalidInput);
  EXPECT_EQ(check_realm("")->message, "the realm is empty");
  EXPECT_EQ(check_realm("a\nb")->message, "the realm is not printable UTF-8");
  EXPECT_EQ(check_realm(std::string(128, 'r'))->message, "the realm is longer than 127 characters");
}

TEST(RedisKeys, CheckUser_AllowsSpacesAndFormatCharacters_RefusesControls) {
  EXPECT_FALSE(check_user("r", "bob smith"));
  EXPECT_FALSE(check_user("r", "%s%n*?"));
  EXPECT_EQ(check_user("r", "a\r\nb")->message, "the user name is not printable UTF-8");
  EXPECT_EQ(check_user("r", "")->message, "the user name is empty");
  EXPECT_EQ(check_user("r", std::string(509, 'u'))->message,
            "the user name is longer than 508 bytes");
}

TEST(RedisKeys, CheckPeerRange_OnePrintableToken) {
  EXPECT_FALSE(check_peer_range("10.0.0.0/8"));
  EXPECT_FALSE(check_peer_range("172.17.13.133-172.17.14.56"));
  EXPECT_TRUE(check_peer_range(""));
  EXPECT_TRUE(check_peer_range("10.0.0.1 10.0.0.2"));
  EXPECT_TRUE(check_peer_range("10.0.0.1\n"));
}

TEST(RedisKeys, ParseNumber_DigitsOnly) {
  EXPECT_EQ(parse_number("12000"), 12000u);
  EXPECT_FALSE(parse_number(""));
  EXPECT_FALSE(parse_number("-1"));
  EXPECT_FALSE(parse_number("10 "));
  EXPECT_FALSE(parse_number("99999999999999999999999"));
}

}  // namespace
}  // namespace tern::auth::redis_keys
