#pragma once
// STUN Binding (RFC 8489 §3, §6.3): tells a client the address it is seen from.

#include <cstdint>
#include <span>

#include "protocol/message.h"
#include "server/core/request_context.h"
#include "server/core/response.h"

namespace tern {

// The success response to a Binding request: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an
// RFC 3489 client (which cannot read the XOR form), then RESPONSE-ORIGIN (RFC 5780).
// `signature`: a request that was authenticated (--secure-stun) gets a signed answer.
size_t answer_binding(const stun::MessageView& request, const RequestContext& ctx,
                      const ResponsePolicy& policy, std::span<uint8_t> out,
                      Signature signature = {});

}  // namespace tern
