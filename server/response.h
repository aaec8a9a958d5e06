#pragma once
// Building a response to a request: the same transaction id (RFC 3489 ids kept whole),
// then SOFTWARE, the integrity the request used, and FINGERPRINT when the request had
// one — always in that order, which RFC 8489 §14 requires.

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/error_code.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern {

struct ResponsePolicy {
  std::string_view software;  // empty: no SOFTWARE attribute
};

class Response {
 public:
  Response(std::span<uint8_t> out, const stun::MessageView& request, stun::Class cls);

  stun::MessageBuilder& builder() { return builder_; }
  // Appends SOFTWARE and FINGERPRINT as the policy and request ask; returns the size of
  // the finished message, or 0 if it did not fit (then nothing is sent).
  size_t finish(const ResponsePolicy& policy);

 private:
  stun::MessageBuilder builder_;
  bool fingerprint_;
};

// A complete error response; `unknown` fills UNKNOWN-ATTRIBUTES for a 420.
size_t error_response(std::span<uint8_t> out, const stun::MessageView& request,
                      stun::ErrorCode code, const ResponsePolicy& policy,
                      std::span<const uint16_t> unknown = {});

}  // namespace tern
