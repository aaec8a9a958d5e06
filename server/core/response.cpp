#include "server/core/response.h"

#include <algorithm>

#include "protocol/fingerprint.h"
#include "protocol/integrity.h"
#include "protocol/text_attributes.h"
#include "protocol/unknown_attributes.h"

namespace tern {

Response::Response(std::span<uint8_t> out, const stun::MessageView& request, stun::Class cls)
    : builder_(out, request.method(), cls, request.transaction_id()),
      fingerprint_(request.has(stun::attr::Fingerprint)) {
  if (!request.has_magic_cookie() && builder_.ok()) {
    // An RFC 3489 transaction id is 128 bits: the cookie field is part of it.
    auto head = request.bytes().subspan(4, 4);
    std::ranges::copy(head, builder_.mutable_bytes().begin() + 4);
  }
}

size_t Response::finish(const ResponsePolicy& policy, Signature signature) {
  if (!policy.software.empty()) stun::Software{policy.software}.add_to(builder_);
  if (signature.ready && signature.ready->has_key()) {
    signature.ready->add_to(builder_);
  } else if (signature.key && !signature.key->empty()) {
    if (signature.sha256) {
      stun::add_message_integrity_sha256(builder_, signature.key->bytes());
    } else {
      stun::add_message_integrity(builder_, signature.key->bytes());
    }
  }
  if (fingerprint_) stun::add_fingerprint(builder_);
  return builder_.ok() ? builder_.size() : 0;
}

size_t error_response(std::span<uint8_t> out, const stun::MessageView& request,
                      stun::ErrorCode code, Signature signature,
                      std::span<const uint16_t> unknown) {
  Response r(out, request, stun::Class::ErrorResponse);
  stun::ErrorCodeAttribute::of(code).add_to(r.builder());
  if (!unknown.empty()) {
    stun::UnknownAttributes list;
    for (uint16_t t : unknown) list.add(t);
    list.add_to(r.builder());
  }
  return r.finish({}, signature);
}

}  // namespace tern
