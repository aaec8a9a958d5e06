#pragma once
// Building a response to a request: the same transaction id (RFC 3489 ids kept whole),
// then SOFTWARE, the integrity the request used, and FINGERPRINT when the request had
// one — always in that order, which RFC 8489 §14 requires.

#include <cstdint>
#include <span>
#include <string_view>

#include "auth/long_term_key.h"
#include "protocol/error_code.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern {

struct ResponsePolicy {
  std::string_view software;  // empty: no SOFTWARE attribute
};

// How to sign a response: with the key that verified the request, using the same
// integrity attribute the request used (RFC 8489 §9.2.4). Empty key: unsigned.
struct Signature {
  const auth::Key* key = nullptr;
  bool sha256 = false;
  // `key` already set up by the authenticator (AuthResult::signer); used when present.
  stun::IntegrityKey* ready = nullptr;
};

class Response {
 public:
  Response(std::span<uint8_t> out, const stun::MessageView& request, stun::Class cls);

  stun::MessageBuilder& builder() { return builder_; }
  // Appends SOFTWARE, the signature and FINGERPRINT as the policy and request ask;
  // returns the size of the finished message, or 0 if it did not fit (nothing is sent).
  size_t finish(const ResponsePolicy& policy, Signature signature = {});

 private:
  stun::MessageBuilder builder_;
  bool fingerprint_;
};

// A complete error response; `unknown` fills UNKNOWN-ATTRIBUTES for a 420. Never with
// SOFTWARE: most errors go to sources not yet authenticated, and every byte of those is
// a byte a spoofed request could aim at someone else.
size_t error_response(std::span<uint8_t> out, const stun::MessageView& request,
                      stun::ErrorCode code, Signature signature = {},
                      std::span<const uint16_t> unknown = {});

}  // namespace tern
