#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <vector>

#include "auth/rest_credentials.h"
#include "auth/static_users.h"
#include "protocol/integrity.h"
#include "protocol/text_attributes.h"

namespace tern::auth {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr std::array<uint8_t, NonceIssuer::kKeySize> kNonceKey = {7, 7, 7};
constexpr std::array<uint8_t, stun::kTransactionIdSize> kTid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
const TransportAddress kClient = TransportAddress::v4({198, 51, 100, 7}, 50000);

enum class Integrity { None, Sha1, Sha256, Both };

stun::PasswordAlgorithm algorithm(uint16_t number) {
  return {.algorithm = number, .params = {}};
}

stun::PasswordAlgorithms algorithms(std::initializer_list<uint16_t> numbers) {
  stun::PasswordAlgorithms list;
  for (uint16_t n : numbers) list.add(algorithm(n));
  return list;
}

// A request as a client would send it; every field can be left out or bent.
struct Request {
  std::optional<std::string> username = "alice";
  std::optional<std::array<uint8_t, 32>> userhash;
  std::optional<std::string> realm = "example.org";
  std::optional<std::string> nonce;
  std::optional<stun::PasswordAlgorithms> algorithms;
  std::optional<stun::PasswordAlgorithm> algorithm;
  Integrity integrity = Integrity::Sha1;
  Key key;
  Key sha1_key;  // for Integrity::Both when the two must differ; defaults to `key`

  std::vector<uint8_t> bytes;

  const Request& build() {
    bytes.assign(1024, 0);
    stun::MessageBuilder b(bytes, stun::Method::Allocate, stun::Class::Request, kTid);
    b.add_u32(stun::attr::RequestedTransport, 17u << 24);
    if (username) stun::Username{*username}.add_to(b);
    if (userhash) b.add(stun::attr::Userhash, std::span<const uint8_t>(*userhash));
    if (realm) stun::Realm{*realm}.add_to(b);
    if (nonce) stun::Nonce{*nonce}.add_to(b);
    if (algorithms) algorithms->add_to(b);
    if (algorithm) algorithm->add_to(b);
    const Key& k1 = sha1_key.empty() ? key : sha1_key;
    if (integrity == Integrity::Sha1 || integrity == Integrity::Both) {
      stun::add_message_integrity(b, k1.bytes());
    }
    if (integrity == Integrity::Sha256 || integrity == Integrity::Both) {
      stun::add_message_integrity_sha256(b, key.bytes());
    }
    EXPECT_TRUE(b.ok());
    bytes.resize(b.size());
    return *this;
  }
  stun::MessageView view() const {
    auto m = stun::MessageView::parse(bytes);
    EXPECT_TRUE(m.ok());
    return *m;
  }
};

// Every test runs twice: through the shared, thread-safe path and through a worker's
// AuthScratch, which must give the same answers.
class AuthenticatorTest : public ::testing::TestWithParam<bool> {
 protected:
  AuthenticatorTest() : users_("example.org"), nonces_(kNonceKey, 600) {
    EXPECT_TRUE(users_.add("alice:wonderland"));
    EXPECT_TRUE(users_.add("legacy:0x" + hex_md5("legacy", "old")));
  }

  static std::string hex_md5(std::string_view user, std::string_view pass) {
    return to_hex(derive_key(PasswordAlgorithm::Md5, user, "example.org", pass)->bytes());
  }
  static Key key(PasswordAlgorithm a, std::string_view user = "alice",
                 std::string_view pass = "wonderland") {
    return *derive_key(a, user, "example.org", pass);
  }

  // A request answering a fresh challenge: the server's own nonce.
  Request request(PasswordAlgorithm a = PasswordAlgorithm::Md5) {
    Request r;
    r.nonce = nonce();
    r.key = key(a);
    return r;
  }
  std::string nonce(int64_t now = kNow,
                    FeatureBits bits = {.password_algorithms = true, .username_anonymity = true}) {
    return nonces_.issue(kClient, now, bits);
  }
  AuthResult check(Request& r, const TransportAddress& from = kClient, int64_t now = kNow) {
    r.build();
    return auth_.check(r.view(), from, now, scratch());
  }
  AuthScratch* scratch() { return GetParam() ? &scratch_ : nullptr; }

  StaticUsers users_;
  NonceIssuer nonces_;
  Authenticator auth_{"example.org", users_, nonces_};
  AuthScratch scratch_{nonces_};
};

TEST_P(AuthenticatorTest, NoIntegrity_IsChallenged) {
  Request r = request();
  r.integrity = Integrity::None;
  EXPECT_EQ(check(r).outcome, AuthOutcome::Challenge);
  Request bare;
  bare.username.reset();
  bare.realm.reset();
  bare.integrity = Integrity::None;
  EXPECT_EQ(check(bare).outcome, AuthOutcome::Challenge);
}

TEST_P(AuthenticatorTest, Challenge_CarriesRealmFreshNonceAndAlgorithms) {
  std::vector<uint8_t> buf(512);
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::ErrorResponse, kTid);
  auth_.add_challenge(b, kClient, kNow, scratch());
  ASSERT_TRUE(b.ok());
  const auto m = stun::MessageView::parse(b.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(stun::Realm::get_from(*m)->value, "example.org");
  const auto n = stun::Nonce::get_from(*m);
  ASSERT_TRUE(n);
  const auto c = nonces_.check(n->value, kClient, kNow);
  EXPECT_EQ(c.status, NonceStatus::Valid);
  EXPECT_TRUE(c.features.password_algorithms);
  EXPECT_TRUE(c.features.username_anonymity);  // static users answer USERHASH
  EXPECT_EQ(*stun::PasswordAlgorithms::get_from(*m), algorithms({2, 1}));
}

TEST_P(AuthenticatorTest, LegacyMd5Client_WithNeitherAlgorithmAttribute_IsAccepted) {
  Request r = request(PasswordAlgorithm::Md5);
  const auto res = check(r);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_EQ(res.username, "alice");
  EXPECT_EQ(res.key, key(PasswordAlgorithm::Md5));
  EXPECT_FALSE(res.sha256);
}

TEST_P(AuthenticatorTest, Rfc8489Client_Sha256KeyAndIntegrity_IsAccepted) {
  Request r = request(PasswordAlgorithm::Sha256);
  r.algorithms = algorithms({2, 1});
  r.algorithm = algorithm(2);
  r.integrity = Integrity::Sha256;
  const auto res = check(r);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_EQ(res.key, key(PasswordAlgorithm::Sha256));
  EXPECT_TRUE(res.sha256);
}

// The response is signed with the key that verified the request; through a scratch the
// key already set up does it, byte for byte as the free functions would.
TEST_P(AuthenticatorTest, Ok_SignerSignsTheResponseLikeTheKeyItCarries) {
  for (bool sha256 : {false, true}) {
    Request r = request(sha256 ? PasswordAlgorithm::Sha256 : PasswordAlgorithm::Md5);
    if (sha256) {
      r.algorithms = algorithms({2, 1});
      r.algorithm = algorithm(2);
      r.integrity = Integrity::Sha256;
    }
    const auto res = check(r);
    ASSERT_EQ(res.outcome, AuthOutcome::Ok);
    EXPECT_EQ(res.signer != nullptr, GetParam());
    if (!res.signer) continue;
    const std::array<uint8_t, 12> id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    std::array<uint8_t, 256> a{}, b{};
    stun::MessageBuilder by_signer(a, stun::Method::Allocate, stun::Class::SuccessResponse, id);
    stun::MessageBuilder by_key(b, stun::Method::Allocate, stun::Class::SuccessResponse, id);
    res.signer->add_to(by_signer);
    if (sha256) {
      stun::add_message_integrity_sha256(by_key, res.key.bytes());
    } else {
      stun::add_message_integrity(by_key, res.key.bytes());
    }
    ASSERT_TRUE(by_signer.ok() && by_key.ok());
    EXPECT_EQ(std::vector<uint8_t>(a.begin(), a.begin() + by_signer.size()),
              std::vector<uint8_t>(b.begin(), b.begin() + by_key.size()));
  }
}

TEST_P(AuthenticatorTest, ChosenMd5FromTheList_UsesTheMd5Key) {
  Request r = request(PasswordAlgorithm::Md5);
  r.algorithms = algorithms({2, 1});
  r.algorithm = algorithm(1);
  r.integrity = Integrity::Sha256;
  const auto res = check(r);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_EQ(res.key, key(PasswordAlgorithm::Md5));
  EXPECT_TRUE(res.sha256);
}

TEST_P(AuthenticatorTest, Sha256IntegrityWithoutAlgorithmAttributes_UsesTheMd5Key) {
  Request r = request(PasswordAlgorithm::Md5);
  r.integrity = Integrity::Sha256;
  const auto res = check(r);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_TRUE(res.sha256);
}

TEST_P(AuthenticatorTest, BothIntegrities_Sha256Decides) {
  Request good256 = request();
  good256.integrity = Integrity::Both;
  good256.sha1_key = key(PasswordAlgorithm::Md5, "alice", "wrong");
  const auto res = check(good256);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_TRUE(res.sha256);

  Request good1 = request();
  good1.integrity = Integrity::Both;
  good1.sha1_key = good1.key;
  good1.key = key(PasswordAlgorithm::Md5, "alice", "wrong");
  EXPECT_EQ(check(good1).outcome, AuthOutcome::Unauthorized);
}

TEST_P(AuthenticatorTest, IntegrityWithoutUsernameRealmOrNonce_IsBadRequest) {
  Request no_user = request();
  no_user.username.reset();
  EXPECT_EQ(check(no_user).outcome, AuthOutcome::BadRequest);
  Request no_realm = request();
  no_realm.realm.reset();
  EXPECT_EQ(check(no_realm).outcome, AuthOutcome::BadRequest);
  Request no_nonce = request();
  no_nonce.nonce.reset();
  EXPECT_EQ(check(no_nonce).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, MalformedUsernameOrUserhash_IsBadRequest) {
  Request bad_utf8 = request();
  bad_utf8.username = "ali\xC3";
  EXPECT_EQ(check(bad_utf8).outcome, AuthOutcome::BadRequest);

  // A 16-byte USERHASH, built by hand: the helper only writes 32.
  Request short_hash = request();
  std::vector<uint8_t> buf(512);
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::Request, kTid);
  b.add(stun::attr::Userhash, std::span<const uint8_t>(userhash("alice", "example.org")).first(16));
  stun::Realm{"example.org"}.add_to(b);
  stun::Nonce{*short_hash.nonce}.add_to(b);
  stun::add_message_integrity(b, short_hash.key.bytes());
  const auto m = stun::MessageView::parse(b.bytes());
  ASSERT_TRUE(m);
  EXPECT_EQ(auth_.check(*m, kClient, kNow, scratch()).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, WrongPasswordAndUnknownUser_GetTheSameAnswer) {
  Request wrong = request();
  wrong.key = key(PasswordAlgorithm::Md5, "alice", "wrong");
  Request unknown = request();
  unknown.username = "mallory";
  unknown.key = key(PasswordAlgorithm::Md5, "mallory", "x");
  const auto a = check(wrong);
  const auto b = check(unknown);
  EXPECT_EQ(a.outcome, AuthOutcome::Unauthorized);
  EXPECT_EQ(b.outcome, AuthOutcome::Unauthorized);
  EXPECT_EQ(a.username, b.username);
  EXPECT_TRUE(a.key.empty());
  EXPECT_TRUE(b.key.empty());
}

TEST_P(AuthenticatorTest, OtherRealm_IsUnauthorized) {
  Request r = request();
  r.realm = "other.org";
  r.key = *derive_key(PasswordAlgorithm::Md5, "alice", "other.org", "wonderland");
  EXPECT_EQ(check(r).outcome, AuthOutcome::Unauthorized);
}

TEST_P(AuthenticatorTest, NonceFromAnotherIp_IsStale) {
  Request r = request();
  EXPECT_EQ(check(r, TransportAddress::v4({198, 51, 100, 8}, 50000)).outcome,
            AuthOutcome::StaleNonce);
}

TEST_P(AuthenticatorTest, ForeignOrTamperedNonce_IsStale) {
  Request foreign = request();
  foreign.nonce = "f//499k954d6OL34oL9FSTvy64sA";
  EXPECT_EQ(check(foreign).outcome, AuthOutcome::StaleNonce);
  Request tampered = request();
  tampered.nonce->back() = tampered.nonce->back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(check(tampered).outcome, AuthOutcome::StaleNonce);
}

TEST_P(AuthenticatorTest, ExpiredNonceWithGoodIntegrity_IsStaleAndNamesTheUser) {
  Request r = request();
  const auto res = check(r, kClient, kNow + 601);
  EXPECT_EQ(res.outcome, AuthOutcome::StaleNonce);
  EXPECT_EQ(res.username, "alice");
  EXPECT_TRUE(res.key.empty());
}

TEST_P(AuthenticatorTest, ExpiredNonceWithWrongIntegrity_IsUnauthorized) {
  // §9.2.4 checks the integrity before the nonce's age.
  Request r = request();
  r.key = key(PasswordAlgorithm::Md5, "alice", "wrong");
  EXPECT_EQ(check(r, kClient, kNow + 601).outcome, AuthOutcome::Unauthorized);
}

TEST_P(AuthenticatorTest, BidDown_AlgorithmListDiffersFromOffer_IsBadRequest) {
  Request r = request(PasswordAlgorithm::Md5);
  r.algorithms = algorithms({1});  // a middlebox removed SHA-256 from the challenge
  r.algorithm = algorithm(1);
  EXPECT_EQ(check(r).outcome, AuthOutcome::BadRequest);
  Request reordered = request(PasswordAlgorithm::Md5);
  reordered.algorithms = algorithms({1, 2});
  reordered.algorithm = algorithm(1);
  EXPECT_EQ(check(reordered).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, BidDown_ChosenAlgorithmNotInList_IsBadRequest) {
  Request r = request(PasswordAlgorithm::Md5);
  r.algorithms = algorithms({2, 1});
  r.algorithm = algorithm(3);
  EXPECT_EQ(check(r).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, BidDown_OnlyOneOfTheTwoAttributes_IsBadRequest) {
  Request only_list = request();
  only_list.algorithms = algorithms({2, 1});
  EXPECT_EQ(check(only_list).outcome, AuthOutcome::BadRequest);
  Request only_choice = request(PasswordAlgorithm::Sha256);
  only_choice.algorithm = algorithm(2);
  EXPECT_EQ(check(only_choice).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, NonceWithoutAlgorithmsBit_HonoursALoneKnownChoice) {
  Request r = request(PasswordAlgorithm::Sha256);
  r.nonce = nonce(kNow, {});
  r.algorithm = algorithm(2);
  EXPECT_EQ(check(r).outcome, AuthOutcome::Ok);
  Request unknown = request();
  unknown.nonce = nonce(kNow, {});
  unknown.algorithm = algorithm(9);
  EXPECT_EQ(check(unknown).outcome, AuthOutcome::BadRequest);
}

TEST_P(AuthenticatorTest, Userhash_StandsInForUsername) {
  Request r = request(PasswordAlgorithm::Sha256);
  r.username.reset();
  r.userhash = userhash("alice", "example.org");
  r.algorithms = algorithms({2, 1});
  r.algorithm = algorithm(2);
  r.integrity = Integrity::Sha256;
  const auto res = check(r);
  EXPECT_EQ(res.outcome, AuthOutcome::Ok);
  EXPECT_EQ(res.username, "alice");
}

TEST_P(AuthenticatorTest, UnknownUserhash_IsUnauthorized) {
  Request r = request();
  r.username.reset();
  r.userhash = userhash("mallory", "example.org");
  EXPECT_EQ(check(r).outcome, AuthOutcome::Unauthorized);
}

TEST_P(AuthenticatorTest, Md5OnlyUser_CanUseMd5ButNotSha256) {
  Request md5 = request();
  md5.username = "legacy";
  md5.key = key(PasswordAlgorithm::Md5, "legacy", "old");
  EXPECT_EQ(check(md5).outcome, AuthOutcome::Ok);
  Request sha = request();
  sha.username = "legacy";
  sha.key = key(PasswordAlgorithm::Sha256, "legacy", "old");
  sha.algorithms = algorithms({2, 1});
  sha.algorithm = algorithm(2);
  EXPECT_EQ(check(sha).outcome, AuthOutcome::Unauthorized);
}

// Through the shared path and through a worker's scratch, which keeps every secret's HMAC
// key set up for the next request instead of making it per call.
TEST(Authenticator, RestSecrets_AnyValidSecretAuthenticates_WithOrWithoutAScratch) {
  RestSecrets rest("example.org");
  rest.set_secrets({"current", "previous"});
  const NonceIssuer nonces(kNonceKey, 600);
  const Authenticator auth("example.org", rest, nonces);
  AuthScratch scratch(nonces);
  const std::string username = "1700000600:bob";
  for (AuthScratch* with : {static_cast<AuthScratch*>(nullptr), &scratch}) {
    for (const char* secret : {"previous", "current", "unknown"}) {
      Request r;
      r.username = username;
      r.nonce = nonces.issue(kClient, kNow, {.password_algorithms = true});
      r.key = *derive_key(PasswordAlgorithm::Md5, username, "example.org",
                          rest_password(secret, username));
      r.build();
      const auto res = auth.check(r.view(), kClient, kNow, with);
      EXPECT_EQ(res.outcome,
                std::string_view(secret) == "unknown" ? AuthOutcome::Unauthorized : AuthOutcome::Ok)
          << secret;
      EXPECT_EQ(scratch.lookup.rest.ready(), with ? 2u : 0u) << secret;
    }
  }
}

// The reason a check failed is for the log and the guessing budget only: the answers stay
// identical (WrongPasswordAndUnknownUser_GetTheSameAnswer).
TEST_P(AuthenticatorTest, FailureReasons_TellUnknownUserWrongPasswordRealmAndNonceApart) {
  Request wrong = request();
  wrong.key = key(PasswordAlgorithm::Md5, "alice", "wrong");
  EXPECT_EQ(check(wrong).failure, AuthFailure::BadIntegrity);
  Request unknown = request();
  unknown.username = "mallory";
  EXPECT_EQ(check(unknown).failure, AuthFailure::UnknownUser);
  Request realm = request();
  realm.realm = "other.org";
  EXPECT_EQ(check(realm).failure, AuthFailure::WrongRealm);
  Request stale = request();
  EXPECT_EQ(check(stale, kClient, kNow + 601).failure, AuthFailure::StaleNonce);
  Request foreign = request();
  EXPECT_EQ(check(foreign, TransportAddress::v4({198, 51, 100, 8}, 1)).failure,
            AuthFailure::ForeignNonce);
  Request none = request();
  none.integrity = Integrity::None;
  EXPECT_EQ(check(none).failure, AuthFailure::NoIntegrity);
  Request malformed = request();
  malformed.realm.reset();
  EXPECT_EQ(check(malformed).failure, AuthFailure::Malformed);
  Request good = request();
  EXPECT_EQ(check(good).failure, AuthFailure::None);
  EXPECT_TRUE(is_guess(AuthFailure::BadIntegrity));
  EXPECT_TRUE(is_guess(AuthFailure::UnknownUser));
  EXPECT_FALSE(is_guess(AuthFailure::ForeignNonce)) << "a spoofed source cannot spend a budget";
  EXPECT_FALSE(is_guess(AuthFailure::StaleNonce));
}

TEST(Authenticator, RestSecrets_AnExpiredUsername_IsNamedAsSuch) {
  RestSecrets rest("example.org");
  rest.set_secrets({"current"});
  const NonceIssuer nonces(kNonceKey, 600);
  const Authenticator auth("example.org", rest, nonces);
  for (const char* username : {"1699999999:bob", "1700000600:bob"}) {
    Request r;
    r.username = username;
    r.nonce = nonces.issue(kClient, kNow, {.password_algorithms = true});
    r.key = *derive_key(PasswordAlgorithm::Md5, username, "example.org",
                        rest_password("wrong", username));
    r.build();
    const auto res = auth.check(r.view(), kClient, kNow);
    EXPECT_EQ(res.outcome, AuthOutcome::Unauthorized);
    EXPECT_EQ(res.failure, std::string_view(username).starts_with("16999")
                               ? AuthFailure::ExpiredCredential
                               : AuthFailure::BadIntegrity)
        << username;
  }
  EXPECT_FALSE(is_guess(AuthFailure::ExpiredCredential)) << "no password can make it work";
}

TEST(Authenticator, RestSecrets_DoNotAdvertiseUsernameAnonymity) {
  RestSecrets rest("example.org");
  const NonceIssuer nonces(kNonceKey, 600);
  const Authenticator auth("example.org", rest, nonces);
  std::vector<uint8_t> buf(512);
  stun::MessageBuilder b(buf, stun::Method::Allocate, stun::Class::ErrorResponse, kTid);
  auth.add_challenge(b, kClient, kNow);
  const auto m = stun::MessageView::parse(b.bytes());
  const auto bits = nonce_cookie_features(stun::Nonce::get_from(*m)->value);
  ASSERT_TRUE(bits);
  EXPECT_TRUE(bits->password_algorithms);
  EXPECT_FALSE(bits->username_anonymity);
}

TEST(Authenticator, ErrorCodes) {
  EXPECT_FALSE(error_code(AuthOutcome::Ok));
  EXPECT_EQ(error_code(AuthOutcome::Challenge), stun::ErrorCode::Unauthorized);
  EXPECT_EQ(error_code(AuthOutcome::Unauthorized), stun::ErrorCode::Unauthorized);
  EXPECT_EQ(error_code(AuthOutcome::BadRequest), stun::ErrorCode::BadRequest);
  EXPECT_EQ(error_code(AuthOutcome::StaleNonce), stun::ErrorCode::StaleNonce);
  EXPECT_TRUE(needs_challenge(AuthOutcome::StaleNonce));
  EXPECT_FALSE(needs_challenge(AuthOutcome::BadRequest));
}

INSTANTIATE_TEST_SUITE_P(SharedAndScratch, AuthenticatorTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Scratch" : "Shared"; });

}  // namespace
}  // namespace tern::auth
