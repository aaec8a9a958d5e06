#pragma once
// STUN Binding (RFC 8489 §3, §6.3): tells a client the address it is seen from; with RFC
// 5780 NAT behaviour discovery, from which of four addresses and to which port.

#include <cstdint>
#include <span>

#include "protocol/message.h"
#include "server/core/request_context.h"
#include "server/core/response.h"
#include "server/worker/rfc5780_sockets.h"

namespace tern {

// The answer to a Binding request: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an RFC 3489
// client (which cannot read the XOR form), then RESPONSE-ORIGIN, and OTHER-ADDRESS where
// RFC 5780 is on (SOURCE-ADDRESS and CHANGED-ADDRESS for an RFC 3489 client).
// CHANGE-REQUEST, RESPONSE-PORT and PADDING are honoured where it is on and answered 420
// where it is off; over TCP, TLS and DTLS (where it gives OTHER-ADDRESS and
// RESPONSE-ORIGIN) only PADDING is honoured. An answer that must leave from another of
// the worker's sockets or go to another port of the client's IP is sent here, and 0
// returned; any other answer is written to `out` and its size returned. The caller has
// counted the request against the source's Binding limit: whichever socket answers, one
// request earns one answer.
// `signature`: a request that was authenticated (--secure-stun) gets a signed answer.
size_t answer_binding(const stun::MessageView& request, const RequestContext& ctx,
                      Rfc5780Link rfc5780, const ResponsePolicy& policy, std::span<uint8_t> out,
                      Signature signature = {});

}  // namespace tern
