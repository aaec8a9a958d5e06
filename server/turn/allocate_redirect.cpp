// An Allocate this server will not serve: 300 Try Alternate with ALTERNATE-SERVER
// (RFC 8489 §10, RFC 8656 §7.2) when an alternate server is configured, 403 while
// draining without one.

#include "protocol/error_code.h"
#include "protocol/plain_address.h"
#include "server/turn/turn_context.h"

namespace tern {

std::optional<AllocateRedirect> allocate_redirect(TurnContext& t, const RequestContext& ctx) {
  // A retransmitted Allocate of an allocation made before the drain gets its answer again.
  if (t.table.find(FiveTuple::of(ctx), ctx.mono_ms)) return std::nullopt;
  const bool draining = t.shared.drain.draining();
  auto alternate = t.shared.alternates.pick(ctx.transport, ctx.local, draining);
  if (!alternate && !draining) return std::nullopt;
  return AllocateRedirect{alternate};
}

size_t answer_redirect(TurnContext& t, const AllocateRedirect& to, const stun::MessageView& m,
                       std::span<uint8_t> out, Signature signature) {
  Response r(out, m, stun::Class::ErrorResponse);
  if (to.alternate) {
    t.counters.allocations_redirected.add();
    stun::ErrorCodeAttribute::of(stun::ErrorCode::TryAlternate).add_to(r.builder());
    stun::AlternateServer{*to.alternate}.add_to(r.builder());
  } else {
    t.counters.allocations_refused_draining.add();
    stun::ErrorCodeAttribute{static_cast<uint16_t>(stun::ErrorCode::Forbidden), "Draining"}.add_to(
        r.builder());
  }
  t.counters.error_responses.add();
  // No SOFTWARE, like every error answer (response.h).
  return r.finish({}, signature);
}

}  // namespace tern
