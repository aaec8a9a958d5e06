// What auth/ reads from clients and operators: NONCE values (any text a client echoes),
// base64 and base64url, SASLprep, TURN REST usernames and USERHASH lookups. Beyond "no
// crash": encodings round-trip, a nonce verifies only for the client, time and bits it
// was issued for, a REST username is accepted exactly when its expiry has not passed,
// and a USERHASH finds the user it was made from.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/base64.h"
#include "auth/credential_snapshot.h"
#include "auth/long_term_key.h"
#include "auth/nonce.h"
#include "auth/rest_credentials.h"
#include "auth/saslprep.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;
using namespace tern::auth;

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <typename Encode, typename Decode>
void check_base64_alphabet(std::string_view text, Encode encode, Decode decode) {
  // Any bytes encode, and decode back.
  const std::string encoded = encode(bytes_of(text));
  const auto back = decode(encoded);
  TERN_FUZZ_CHECK(
      back && std::string_view(reinterpret_cast<const char*>(back->data()), back->size()) == text);
  // Text that decodes has one spelling up to the last character's unused bits: the same
  // length, and the same bytes again.
  const auto decoded = decode(text);
  if (!decoded) return;
  const std::string again = encode(*decoded);
  TERN_FUZZ_CHECK(again.size() == text.size());
  const auto significant = [](std::string_view s) {
    s = s.substr(0, s.find_last_not_of('=') + 1);
    return s.substr(0, s.empty() ? 0 : s.size() - 1);
  };
  TERN_FUZZ_CHECK(significant(again) == significant(text));
  const auto twice = decode(again);
  TERN_FUZZ_CHECK(twice && *twice == *decoded);
}

void check_base64(std::string_view text) {
  check_base64_alphabet(text, base64_encode, base64_decode);
  check_base64_alphabet(text, base64url_encode, base64url_decode);
  // A nonce must never carry a quote or a backslash (it travels as a quoted-string).
  for (char c : base64url_encode(bytes_of(text))) {
    TERN_FUZZ_CHECK(c != '"' && c != '\\' && c != '=' && c != '+' && c != '/');
  }
}

bool valid_utf8_without_nul(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c == 0) return false;
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void check_saslprep(std::string_view text) {
  const auto prepared = saslprep(text);
  if (!prepared) {
    // What SASLprep refuses, key derivation refuses too: never a key of something else.
    TERN_FUZZ_CHECK(!derive_key(PasswordAlgorithm::Md5, "u", "r", text));
    return;
  }
  TERN_FUZZ_CHECK(valid_utf8_without_nul(*prepared));
  // Printable ASCII is left as it is: the passwords every client hashes the same way.
  bool printable_ascii = true;
  for (char c : text) printable_ascii = printable_ascii && c >= 0x20 && c < 0x7F;
  if (printable_ascii) TERN_FUZZ_CHECK(*prepared == text);
  // A prepared string is its own preparation: a key never depends on preparing twice.
  const auto again = saslprep(*prepared);
  TERN_FUZZ_CHECK(again && *again == *prepared);
}

TransportAddress address_from(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) {
    std::array<uint8_t, 4> ip{};
    for (auto& b : ip) b = in.ConsumeIntegral<uint8_t>();
    return TransportAddress::v4(ip, in.ConsumeIntegral<uint16_t>());
  }
  std::array<uint8_t, 16> ip{};
  for (auto& b : ip) b = in.ConsumeIntegral<uint8_t>();
  return TransportAddress::v6(ip, in.ConsumeIntegral<uint16_t>());
}

// The nonce binds a host, so an IPv4-mapped IPv6 address (a dual-stack socket's view of an
// IPv4 client) is the IPv4 address it maps.
std::vector<uint8_t> host_of(const TransportAddress& a) {
  const auto ip = a.ip_bytes();
  constexpr std::array<uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (ip.size() == 16 && std::equal(kMapped.begin(), kMapped.end(), ip.begin())) {
    return {ip.begin() + 12, ip.end()};
  }
  return {ip.begin(), ip.end()};
}

void check_nonce(FuzzedDataProvider& in, std::string_view echoed) {
  std::array<uint8_t, NonceIssuer::kKeySize> key{};
  key[0] = in.ConsumeIntegral<uint8_t>();
  const int64_t lifetime = in.ConsumeIntegralInRange<int64_t>(1, 1 << 20);
  const NonceIssuer issuer(key, lifetime);
  NonceContext context = issuer.context();
  const TransportAddress client = address_from(in);
  const TransportAddress other = address_from(in);
  const int64_t now = in.ConsumeIntegralInRange<int64_t>(0, 0xFFFFFFFFLL - (1 << 21));
  const FeatureBits features = FeatureBits::from_u24(in.ConsumeIntegral<uint32_t>() & 0xFFFFFF);

  // Whatever a client echoes: the issuer and a worker's context agree, and text that is
  // not a nonce of ours is Invalid.
  const NonceCheck echoed_check = issuer.check(echoed, client, now);
  const NonceCheck echoed_context = context.check(echoed, client, now);
  TERN_FUZZ_CHECK(echoed_check.status == echoed_context.status);
  if (!echoed.starts_with(kNonceCookie))
    TERN_FUZZ_CHECK(echoed_check.status == NonceStatus::Invalid);
  (void)nonce_cookie_features(echoed);

  const std::string nonce = context.issue(client, now, features);
  TERN_FUZZ_CHECK(nonce == issuer.issue(client, now, features));
  TERN_FUZZ_CHECK(nonce.starts_with(kNonceCookie));
  const auto announced = nonce_cookie_features(nonce);
  TERN_FUZZ_CHECK(announced && *announced == features);
  const NonceCheck fresh = issuer.check(nonce, client, now);
  TERN_FUZZ_CHECK(fresh.status == NonceStatus::Valid && fresh.features == features);
  TERN_FUZZ_CHECK(issuer.check(nonce, client, now + lifetime).status == NonceStatus::Valid);
  TERN_FUZZ_CHECK(issuer.check(nonce, client, now + lifetime + 1).status == NonceStatus::Stale);
  if (host_of(client) != host_of(other)) {
    TERN_FUZZ_CHECK(issuer.check(nonce, other, now).status == NonceStatus::Invalid);
  }
  // One character changed: refused, unless only the unused low bits of the final
  // base64url character moved (the same bytes decode).
  std::string altered = nonce;
  const size_t at = in.ConsumeIntegralInRange<size_t>(0, altered.size() - 1);
  const char replacement = in.ConsumeIntegral<char>();
  if (altered[at] != replacement) {
    altered[at] = replacement;
    const NonceCheck c = issuer.check(altered, client, now);
    TERN_FUZZ_CHECK(c.status == NonceStatus::Invalid || at == altered.size() - 1);
  }
}

void check_rest_username(FuzzedDataProvider& in, std::string_view username) {
  const char separator = in.ConsumeBool() ? ':' : in.ConsumeIntegral<char>();
  const auto position = in.ConsumeBool() ? ExpiryPosition::First : ExpiryPosition::FirstOrLast;
  const auto expiry = rest_expiry(username, separator, position);
  const int64_t now = in.ConsumeIntegral<int64_t>();
  if (expiry) {
    TERN_FUZZ_CHECK(*expiry >= 0);
    // The expiry is a whole field of digits at the front (or the back).
    const size_t cut = username.find(separator);
    const std::string_view first = username.substr(0, cut);
    const std::string_view last = username.substr(
        username.rfind(separator) == std::string_view::npos ? 0 : username.rfind(separator) + 1);
    const auto digits = [](std::string_view f) {
      return !f.empty() && f.find_first_not_of("0123456789") == std::string_view::npos;
    };
    TERN_FUZZ_CHECK(digits(first) || (position == ExpiryPosition::FirstOrLast && digits(last)));
  }

  RestSecrets secrets("realm", separator, position);
  secrets.set_secrets({"first", "second"});
  CandidateKeys keys;
  const bool found = secrets.lookup(username, "realm", PasswordAlgorithm::Md5, now, keys);
  TERN_FUZZ_CHECK(found == (expiry && *expiry >= now));
  TERN_FUZZ_CHECK(found == (keys.size() == 2));
  CandidateKeys other_realm;
  TERN_FUZZ_CHECK(!secrets.lookup(username, "other", PasswordAlgorithm::Md5, now, other_realm));
  RestSecretsContext context;
  CandidateKeys with_context;
  TERN_FUZZ_CHECK(secrets.lookup(username, "realm", PasswordAlgorithm::Md5, now, with_context,
                                 context) == found);
  for (size_t i = 0; i < keys.size(); ++i)
    TERN_FUZZ_CHECK(keys.keys()[i] == with_context.keys()[i]);

  RestPasswordMaker maker("secret");
  const auto made = maker.password(username);
  TERN_FUZZ_CHECK(made && *made == rest_password("secret", username));
}

void check_userhash(FuzzedDataProvider& in, std::string_view realm) {
  CredentialSnapshot snapshot;
  std::vector<std::string> names;
  const Key md5(PasswordAlgorithm::Md5, std::array<uint8_t, 16>{});
  for (int i = 0; i < 4 && in.remaining_bytes() > 0; ++i) {
    names.push_back(in.ConsumeRandomLengthString(64));
    snapshot.add_user(names.back(), realm, {md5, {}});
  }
  for (const auto& name : names) {
    const auto hash = userhash(name, realm);
    const auto found = snapshot.username_for_userhash(hash);
    TERN_FUZZ_CHECK(found && *found == name);
    CandidateKeys keys;
    TERN_FUZZ_CHECK(snapshot.lookup(name, PasswordAlgorithm::Md5, keys) && keys.size() == 1);
    CandidateKeys none;
    TERN_FUZZ_CHECK(!snapshot.lookup(name, PasswordAlgorithm::Sha256, none) && none.empty());
  }
  // Any other 32 bytes find nobody, or a user whose hash they are.
  std::array<uint8_t, 32> guess{};
  const auto raw = in.ConsumeBytes<uint8_t>(guess.size());
  std::copy(raw.begin(), raw.end(), guess.begin());
  if (const auto who = snapshot.username_for_userhash(guess)) {
    TERN_FUZZ_CHECK(userhash(*who, realm) == guess);
  }
  TERN_FUZZ_CHECK(snapshot.by_userhash.size() == snapshot.users.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = in.ConsumeRandomLengthString(512);
  check_base64(text);
  check_saslprep(text);
  check_nonce(in, text);
  check_rest_username(in, text);
  check_userhash(in, text);
  return 0;
}
