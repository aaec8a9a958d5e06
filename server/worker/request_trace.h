#pragma once
// -v (DEBUG): one line for every STUN/TURN request and one for what it got back, with
// method, class, transaction id, source, transport and error code. The dispatcher calls
// this only once the logger says DEBUG is on, so when it is off the packet path pays one
// branch and formats nothing.

#include <cstdint>
#include <span>

#include "server/core/request_context.h"

namespace tern {

class Logger;

// `request` is a message whose header is STUN; `response` is what the dispatcher wrote
// (empty: nothing was sent back).
void trace_exchange(Logger& log, std::span<const uint8_t> request, const RequestContext& ctx,
                    std::span<const uint8_t> response);

}  // namespace tern
