#include "auth/authenticator.h"

#include "protocol/integrity.h"
#include "protocol/text_attributes.h"

namespace tern::auth {
namespace {

AuthResult outcome(AuthOutcome o, AuthFailure why, std::string username = {}) {
  AuthResult r;
  r.outcome = o;
  r.failure = why;
  r.username = std::move(username);
  return r;
}

// Through `ready` when the caller has one: it keeps the key set up for the response.
bool integrity_matches(const stun::MessageView& m, bool sha256, std::span<const uint8_t> key,
                       stun::IntegrityKey* ready) {
  if (ready) {
    return ready->set(sha256 ? stun::IntegrityKind::Sha256 : stun::IntegrityKind::Sha1, key) &&
           ready->verify(m);
  }
  return sha256 ? stun::verify_message_integrity_sha256(m, key)
                : stun::verify_message_integrity(m, key);
}

}  // namespace

std::optional<stun::ErrorCode> error_code(AuthOutcome o) {
  switch (o) {
    case AuthOutcome::Ok:
      return std::nullopt;
    case AuthOutcome::BadRequest:
      return stun::ErrorCode::BadRequest;
    case AuthOutcome::StaleNonce:
      return stun::ErrorCode::StaleNonce;
    case AuthOutcome::Challenge:
    case AuthOutcome::Unauthorized:
      break;
  }
  return stun::ErrorCode::Unauthorized;
}

std::string_view to_string(AuthFailure f) {
  switch (f) {
    case AuthFailure::None:
      return "none";
    case AuthFailure::NoIntegrity:
      return "no credentials";
    case AuthFailure::Malformed:
      return "malformed credentials";
    case AuthFailure::ForeignNonce:
      return "nonce not issued to this address";
    case AuthFailure::UnknownUser:
      return "unknown user";
    case AuthFailure::WrongRealm:
      return "wrong realm";
    case AuthFailure::ExpiredCredential:
      return "expired REST credential";
    case AuthFailure::RevokedCredential:
      return "revoked";
    case AuthFailure::BadIntegrity:
      return "bad integrity (wrong password)";
    case AuthFailure::StaleNonce:
      return "stale nonce";
    case AuthFailure::HeldBack:
      return "held back after too many failures";
  }
  return "unknown";
}

// What the request says about itself, once the mandatory attributes are known present.
struct Authenticator::Claimed {
  std::string username;  // empty when USERHASH did not resolve
  std::string_view realm;
  PasswordAlgorithm algorithm;
  bool sha256;
  bool nonce_stale;
};

Authenticator::Authenticator(std::string realm, const CredentialSource& source,
                             const NonceIssuer& nonces,
                             std::initializer_list<PasswordAlgorithm> offered)
    : realm_(std::move(realm)), source_(source), nonces_(nonces) {
  for (PasswordAlgorithm a : offered) {
    offered_.add(stun::PasswordAlgorithm{.algorithm = static_cast<uint16_t>(a), .params = {}});
  }
  features_ = FeatureBits{.password_algorithms = offered_.count > 0,
                          .username_anonymity = source.supports_userhash()};
}

AuthResult Authenticator::check(const stun::MessageView& request, const TransportAddress& client,
                                int64_t now, AuthScratch* scratch) const {
  const bool sha256 = request.has(stun::attr::MessageIntegritySha256);
  if (!sha256 && !request.has(stun::attr::MessageIntegrity)) {
    return outcome(AuthOutcome::Challenge, AuthFailure::NoIntegrity);
  }

  const auto username = stun::Username::get_from(request);
  const auto hash = stun::Userhash::get_from(request);
  const auto realm = stun::Realm::get_from(request);
  const auto nonce = stun::Nonce::get_from(request);
  const bool has_identity = username || (username.error() == stun::AttrError::Missing && hash.ok());
  if (!has_identity || !realm || !nonce) {
    return outcome(AuthOutcome::BadRequest, AuthFailure::Malformed);
  }

  // A nonce we did not issue to this IP is answered before any key work: it costs a
  // spoofed flood one HMAC, and the 438 hands an honest client (whose address changed,
  // or who talked to us before a restart) a nonce it can use.
  const NonceCheck nonce_check = scratch ? scratch->nonces.check(nonce->value, client, now)
                                         : nonces_.check(nonce->value, client, now);
  if (nonce_check.status == NonceStatus::Invalid) {
    return outcome(AuthOutcome::StaleNonce, AuthFailure::ForeignNonce);
  }

  const auto algorithm = negotiated_algorithm(request, nonce_check.features);
  if (!algorithm) return outcome(AuthOutcome::BadRequest, AuthFailure::Malformed);

  Claimed claimed{.username = {},
                  .realm = realm->value,
                  .algorithm = *algorithm,
                  .sha256 = sha256,
                  .nonce_stale = nonce_check.status == NonceStatus::Stale};
  if (username) {
    claimed.username = std::string(username->value);
  } else if (auto name = source_.username_for_userhash(hash->hash, realm->value)) {
    claimed.username = std::move(*name);
  }
  return verify(request, claimed, now, scratch);
}

// RFC 8489 §9.2.4: when the nonce announces PASSWORD-ALGORITHMS, "if the request contains
// neither PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM, then the request is processed as
// though PASSWORD-ALGORITHM were MD5. Otherwise, unless (1) PASSWORD-ALGORITHM and
// PASSWORD-ALGORITHMS are both present, (2) PASSWORD-ALGORITHMS matches the value sent in
// the response that sent this NONCE, and (3) PASSWORD-ALGORITHM matches one of the
// entries in PASSWORD-ALGORITHMS, the server MUST generate ... 400". Since the bit is
// under the nonce's MAC, stripping it from the nonce does not skip this check.
std::optional<PasswordAlgorithm> Authenticator::negotiated_algorithm(
    const stun::MessageView& request, FeatureBits features) const {
  const auto list = stun::PasswordAlgorithms::get_from(request);
  const auto chosen = stun::PasswordAlgorithm::get_from(request);
  const bool list_missing = !list && list.error() == stun::AttrError::Missing;
  const bool chosen_missing = !chosen && chosen.error() == stun::AttrError::Missing;
  if (list_missing && chosen_missing) return PasswordAlgorithm::Md5;
  if (features.password_algorithms &&
      (!list || !chosen || !(*list == offered_) || !list->contains(chosen->algorithm))) {
    return std::nullopt;
  }
  // Without the bit (a nonce issued with no list) only a lone, known choice makes sense.
  if (!chosen) return std::nullopt;
  return password_algorithm_from_wire(chosen->algorithm);
}

AuthResult Authenticator::verify(const stun::MessageView& request, const Claimed& claimed,
                                 int64_t now, AuthScratch* scratch) const {
  stun::IntegrityKey* ready = scratch ? &scratch->integrity : nullptr;
  CandidateKeys keys;
  const bool known =
      !claimed.username.empty() && claimed.realm == realm_ &&
      (scratch ? source_.lookup_for_worker(claimed.username, realm_, claimed.algorithm, now, keys,
                                           scratch->lookup)
               : source_.lookup(claimed.username, realm_, claimed.algorithm, now, keys));
  if (!known) {
    // One HMAC anyway, so an unknown user takes as long to refuse as a wrong password.
    static constexpr std::array<uint8_t, 16> kNoKey{};
    (void)integrity_matches(request, claimed.sha256, kNoKey, ready);
    return outcome(AuthOutcome::Unauthorized, unknown_reason(claimed, now));
  }
  for (const Key& key : keys.keys()) {
    if (!integrity_matches(request, claimed.sha256, key.bytes(), ready)) continue;
    // §9.2.4 checks the nonce's age only after the integrity, so a client with a wrong
    // password learns that (401), not to retry forever with fresh nonces (438).
    if (claimed.nonce_stale) {
      return outcome(AuthOutcome::StaleNonce, AuthFailure::StaleNonce, claimed.username);
    }
    return AuthResult{.outcome = AuthOutcome::Ok,
                      .failure = AuthFailure::None,
                      .username = claimed.username,
                      .key = key,
                      .sha256 = claimed.sha256,
                      .signer = ready};
  }
  return outcome(AuthOutcome::Unauthorized, AuthFailure::BadIntegrity);
}

AuthFailure Authenticator::unknown_reason(const Claimed& claimed, int64_t now) const {
  if (claimed.username.empty()) return AuthFailure::UnknownUser;
  if (claimed.realm != realm_) return AuthFailure::WrongRealm;
  if (source_.is_revoked(claimed.username, now)) return AuthFailure::RevokedCredential;
  if (source_.is_expired(claimed.username, now)) return AuthFailure::ExpiredCredential;
  return AuthFailure::UnknownUser;
}

void Authenticator::add_challenge(stun::MessageBuilder& b, const TransportAddress& client,
                                  int64_t now, AuthScratch* scratch) const {
  const std::string nonce = scratch ? scratch->nonces.issue(client, now, features_)
                                    : nonces_.issue(client, now, features_);
  stun::Realm{realm_}.add_to(b);
  stun::Nonce{nonce}.add_to(b);
  if (offered_.count > 0) offered_.add_to(b);
}

}  // namespace tern::auth
