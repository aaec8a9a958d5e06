#pragma once
// The long-term credential decision for one request (RFC 8489 §9.2.4, RFC 8656 §5),
// free of I/O: the server asks, builds the response the outcome calls for, and signs it
// with the key handed back.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credential_source.h"
#include "auth/long_term_key.h"
#include "auth/lookup_scratch.h"
#include "auth/nonce.h"
#include "protocol/error_code.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/password_algorithms.h"
#include "protocol/transport_address.h"

namespace tern::auth {

enum class AuthOutcome : uint8_t {
  Ok,
  // No integrity at all: 401 with REALM, NONCE, PASSWORD-ALGORITHMS and nothing signed.
  Challenge,
  // Integrity present but USERNAME/USERHASH, REALM or NONCE missing or malformed, or a
  // bid-down detected: 400, no challenge.
  BadRequest,
  // Unknown user, wrong realm or wrong integrity: 401 with a fresh challenge. One answer
  // for all three, so the response never tells which usernames exist.
  Unauthorized,
  // A nonce that expired, or was not issued to this IP by this server: 438 with a fresh
  // challenge.
  StaleNonce,
};

// Why a request failed, finer than the outcome: for the log and the guessing budget only.
// Never sent (one 401 for all, so the answer never tells which usernames exist).
enum class AuthFailure : uint8_t {
  None,
  NoIntegrity,        // the first, challenged request
  Malformed,          // BadRequest
  ForeignNonce,       // a nonce not issued to this IP by this server (438)
  UnknownUser,        // no store knows the username (or the USERHASH)
  WrongRealm,         // REALM is not ours
  ExpiredCredential,  // a REST API username whose time has passed
  RevokedCredential,  // revoked before it expired (ternctl credential revoke)
  BadIntegrity,       // a known user, but no key verified: a wrong password
  StaleNonce,         // the integrity verified but the nonce had expired (438)
  HeldBack,           // not checked: the source exceeded its budget (the dispatcher's)
};
inline constexpr size_t kAuthFailureKinds = static_cast<size_t>(AuthFailure::HeldBack) + 1;
std::string_view to_string(AuthFailure f);
// Whether the request tried a password that could have worked: what a guesser spends.
constexpr bool is_guess(AuthFailure f) {
  return f == AuthFailure::UnknownUser || f == AuthFailure::BadIntegrity;
}

// 401, 400 or 438; nullopt for Ok.
std::optional<stun::ErrorCode> error_code(AuthOutcome outcome);
// Whether the error response carries REALM, NONCE and PASSWORD-ALGORITHMS (add_challenge).
constexpr bool needs_challenge(AuthOutcome o) {
  return o == AuthOutcome::Challenge || o == AuthOutcome::Unauthorized ||
         o == AuthOutcome::StaleNonce;
}

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::Challenge;
  AuthFailure failure = AuthFailure::NoIntegrity;  // None for Ok
  // Ok and StaleNonce (the integrity had verified): who the request is from.
  std::string username;
  // Ok: the key that verified; the success response is signed with it (§9.2.4).
  Key key;
  // Ok: the request was checked with MESSAGE-INTEGRITY-SHA256, so the response uses
  // MESSAGE-INTEGRITY-SHA256 too.
  bool sha256 = false;
  // Ok, when checked with an AuthScratch: `key` set up in it, ready to sign the response
  // (valid until that scratch checks the next request).
  stun::IntegrityKey* signer = nullptr;
};

// One worker's HMAC state for the authenticator: the nonce key set up once, the sources'
// key schedules (REST secrets), and the key that verified the last request, kept to sign
// its response, so none is set up again per call. Not thread-safe: one per worker.
struct AuthScratch {
  explicit AuthScratch(const NonceIssuer& issuer) : nonces(issuer.context()) {}
  NonceContext nonces;
  LookupScratch lookup;
  stun::IntegrityKey integrity;
};

class Authenticator {
 public:
  // `offered` is the PASSWORD-ALGORITHMS list, most preferred first; an RFC 8489 client
  // picks from it, while legacy clients (browsers, turnutils) ignore it and use MD5.
  // `source` and `nonces` must outlive the authenticator.
  Authenticator(std::string realm, const CredentialSource& source, const NonceIssuer& nonces,
                std::initializer_list<PasswordAlgorithm> offered = {PasswordAlgorithm::Sha256,
                                                                    PasswordAlgorithm::Md5});

  const std::string& realm() const { return realm_; }

  // Thread-safe if the source is (CredentialSource requires it). With a worker's
  // `scratch` (made from the same NonceIssuer) the answer is the same for less HMAC work,
  // and an Ok result's `signer` points into it.
  AuthResult check(const stun::MessageView& request, const TransportAddress& client, int64_t now,
                   AuthScratch* scratch = nullptr) const;

  // Adds REALM, a fresh NONCE and PASSWORD-ALGORITHMS to a 401/438 error response being
  // built (the caller adds ERROR-CODE).
  void add_challenge(stun::MessageBuilder& b, const TransportAddress& client, int64_t now,
                     AuthScratch* scratch = nullptr) const;

 private:
  struct Claimed;
  AuthResult verify(const stun::MessageView& request, const Claimed& claimed, int64_t now,
                    AuthScratch* scratch) const;
  AuthFailure unknown_reason(const Claimed& claimed, int64_t now) const;
  std::optional<PasswordAlgorithm> negotiated_algorithm(const stun::MessageView& request,
                                                        FeatureBits features) const;

  std::string realm_;
  const CredentialSource& source_;
  const NonceIssuer& nonces_;
  stun::PasswordAlgorithms offered_;
  FeatureBits features_;
};

}  // namespace tern::auth
