// An Allocate this server will not serve: 300 Try Alternate with ALTERNATE-SERVER
// (RFC 8489 §10, RFC 8656 §7.2) when an alternate server is configured, 403 while
// draining without one.

#include "protocol/error_code.h"
#include "protocol/plain_address.h"
#include "server/turn_context.h"

namespace tern {

std::optional<size_t> redirect_allocate(TurnContext& t, const stun::MessageView& m,
                                        const RequestContext& ctx, std::span<uint8_t> out,
                                        Signature signature) {
  // A retransmitted Allocate of an allocation made before the drain gets its answer again.
  if (t.table.find(FiveTuple::of(ctx), ctx.mono_ms)) return std::nullopt;
  const bool draining = t.shared.drain.draining();
  const auto alternate = t.shared.alternates.pick(ctx.transport, ctx.local, draining);
  if (!alternate && !draining) return std::nullopt;
  Response r(out, m, stun::Class::ErrorResponse);
  if (alternate) {
    t.counters.allocations_redirected.add();
    stun::ErrorCodeAttribute::of(stun::ErrorCode::TryAlternate).add_to(r.builder());
    stun::AlternateServer{*alternate}.add_to(r.builder());
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
