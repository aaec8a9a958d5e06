#include "server/worker/dispatcher.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "base/log.h"
#include "protocol/byte_order.h"
#include "protocol/fingerprint.h"
#include "protocol/message_builder.h"
#include "server/turn/turn_context.h"
#include "server/worker/binding.h"
#include "server/worker/request_trace.h"

namespace tern {

namespace {

enum class PacketKind { Stun, ChannelData, Other };

// RFC 7983 demultiplexing by the first two bits: 00 STUN, 01 ChannelData.
PacketKind classify(std::span<const uint8_t> packet) {
  if (packet.empty()) return PacketKind::Other;
  switch (packet[0] >> 6) {
    case 0:
      return PacketKind::Stun;
    case 1:
      return PacketKind::ChannelData;
    default:
      return PacketKind::Other;
  }
}

void observe_since(Histogram& h, int64_t started_us) {
  h.observe(static_cast<uint64_t>(std::max<int64_t>(steady_us() - started_us, 0)));
}

UnauthenticatedLimits& required(UnauthenticatedLimits* limits) {
  assert(limits && "DispatchOptions::limits: the server's shared limits");
  return *limits;
}

}  // namespace

Dispatcher::Dispatcher(const DispatchOptions& options, WorkerCounters& counters)
    : options_(options),
      policy_{options_.software},
      counters_(counters),
      limits_(required(options.limits)) {}

bool Dispatcher::has_allocation(const RequestContext& ctx) const {
  return turn_ != nullptr && turn_->table.find(FiveTuple::of(ctx), ctx.mono_ms) != nullptr;
}

size_t Dispatcher::handle(std::span<const uint8_t> packet, const RequestContext& ctx,
                          std::span<uint8_t> out) {
  switch (classify(packet)) {
    case PacketKind::Stun: {
      const size_t size = handle_stun(packet, ctx, out);
      if (options_.trace != nullptr && options_.trace->enabled(LogLevel::Debug)) [[unlikely]] {
        trace_exchange(*options_.trace, packet, ctx, std::span(out.data(), size));
      }
      return size;
    }
    case PacketKind::ChannelData:
      if (turn_) {
        handle_channel_data(*turn_, packet, ctx);
        return 0;
      }
      break;
    case PacketKind::Other:
      break;
  }

  counters_.dropped_not_stun.add();
  return 0;
}

size_t Dispatcher::handle_stun(std::span<const uint8_t> packet, const RequestContext& ctx,
                               std::span<uint8_t> out) {
  auto parsed = stun::MessageView::parse(packet, {.allow_rfc3489 = options_.allow_rfc3489});
  if (!parsed) {
    // A request whose header is sound but whose attributes are not gets a 400; anything
    // else cannot be answered safely and is dropped.
    if (parsed.error() == stun::ParseError::TruncatedAttribute ||
        parsed.error() == stun::ParseError::TooManyAttributes) {
      return reply_bad_request(packet, ctx, out);
    }
    counters_.dropped_not_stun.add();
    return 0;
  }
  const stun::MessageView& m = *parsed;
  // RFC 8489 §7.3: a FINGERPRINT that does not match means this is not STUN.
  if (m.has(stun::attr::Fingerprint) && !stun::verify_fingerprint(m)) {
    counters_.dropped_bad_fingerprint.add();
    return 0;
  }
  switch (m.message_class()) {
    case stun::Class::Request:
      return handle_request(m, ctx, out);
    case stun::Class::Indication:
      if (m.method() == stun::Method::Send && turn_) handle_send_indication(*turn_, m, ctx);
      // Anything else, a Binding indication (keepalive) included, is accepted silently.
      return 0;
    case stun::Class::SuccessResponse:
    case stun::Class::ErrorResponse:
      counters_.dropped_malformed.add();  // a server sends no requests, so expects no answers
      return 0;
  }
  return 0;
}

size_t Dispatcher::handle_request(const stun::MessageView& m, const RequestContext& ctx,
                                  std::span<uint8_t> out) {
  std::array<uint16_t, 16> unknown{};
  const size_t n_unknown = m.unknown_comprehension_required(stun::attr::is_known, unknown);
  if (n_unknown > 0) {
    return reply_unauthenticated_error(m, ctx, stun::ErrorCode::UnknownAttribute, out,
                                       std::span(unknown).first(n_unknown));
  }
  switch (m.method()) {
    case stun::Method::Binding:
      // --no-stun: Binding is answered as a method this server does not have.
      if (!options_.stun)
        return reply_unauthenticated_error(m, ctx, stun::ErrorCode::BadRequest, out);
      if (options_.secure_stun && turn_ && turn_->shared.authenticator) {
        return handle_secure_binding(m, ctx, out);
      }
      if (!may_answer_unauthenticated(limits_.bindings, counters_.bindings_limited, ctx)) {
        return 0;
      }
      counters_.binding_requests.add();
      return answer_binding(m, ctx, rfc5780_of(ctx), policy_, out);
    case stun::Method::Allocate:
    case stun::Method::Refresh:
    case stun::Method::CreatePermission:
    case stun::Method::ChannelBind:
    case stun::Method::Connect:
    case stun::Method::ConnectionBind:
      if (turn_ && options_.turn) {
        if (m.method() != stun::Method::Allocate) {
          return limit_if_unverified(handle_turn_request(m, ctx, out), ctx, out);
        }
        // From the read of the batch it came in: a request behind others waited too.
        const int64_t started_us = ctx.received_us != 0 ? ctx.received_us : steady_us();
        const size_t size = limit_if_unverified(handle_turn_request(m, ctx, out), ctx, out);
        if (size > 0) observe_since(counters_.allocate_latency_us, started_us);
        return size;
      }
      [[fallthrough]];
    default:
      return reply_unauthenticated_error(m, ctx, stun::ErrorCode::BadRequest, out);
  }
}

size_t Dispatcher::handle_turn_request(const stun::MessageView& m, const RequestContext& ctx,
                                       std::span<uint8_t> out) {
  // An Allocate sent without credentials (every client's first) is redirected before its
  // credentials are asked for, as coturn does: a client that would only be sent elsewhere
  // need not authenticate here first. One with credentials is checked first, so its 300
  // or 403 is signed (RFC 8489 §10: the response MAY be authenticated).
  const bool signed_request =
      m.has(stun::attr::MessageIntegrity) || m.has(stun::attr::MessageIntegritySha256);
  if (m.method() == stun::Method::Allocate && !signed_request) {
    if (auto to = allocate_redirect(*turn_, ctx)) {
      if (!may_answer_error(ctx)) return 0;
      return answer_redirect(*turn_, *to, m, out, {});
    }
  }
  auth::AuthResult auth;
  if (turn_->shared.authenticator) {
    if (guard().held_back(m, ctx)) {
      counters_.auth_held_back.add();
      auth.outcome = auth::AuthOutcome::Unauthorized;
      auth.failure = auth::AuthFailure::HeldBack;
      return reply_auth_failure(m, ctx, auth, out);
    }
    auth = turn_->shared.authenticator->check(m, ctx.client, ctx.now, &auth_scratch());
    if (auth.outcome != auth::AuthOutcome::Ok) return reply_auth_failure(m, ctx, auth, out);
  } else {
    auth.outcome = auth::AuthOutcome::Ok;
  }
  TurnRequest r{m, ctx, auth, out};
  if (auto owned = owned_allocation(*turn_, r); !owned) return reject(*turn_, r, owned.error());
  switch (m.method()) {
    case stun::Method::Allocate: {
      if (auto to = allocate_redirect(*turn_, ctx)) {
        return answer_redirect(*turn_, *to, m, out, r.signature());
      }
      const size_t size = handle_allocate(*turn_, r);
      if (ctx.link.stream && turn_->table.find(r.tuple(), ctx.mono_ms)) {
        ctx.link.stream->on_allocated(turn_->shared.settings.max_lifetime_s);
      }
      return size;
    }
    case stun::Method::Refresh: {
      const size_t size = handle_refresh(*turn_, r);
      // LIFETIME 0, or the allocation had expired: the connection stays, unallocated.
      if (ctx.link.stream && !turn_->table.find(r.tuple(), ctx.mono_ms)) {
        ctx.link.stream->on_deallocated();
      }
      return size;
    }
    case stun::Method::CreatePermission:
      return handle_create_permission(*turn_, r);
    case stun::Method::ChannelBind:
      return handle_channel_bind(*turn_, r);
    case stun::Method::Connect:
      return handle_connect(*turn_, r);
    case stun::Method::ConnectionBind:
      return handle_connection_bind(*turn_, r);
    default:
      return reject(*turn_, r, stun::ErrorCode::BadRequest);
  }
}

size_t Dispatcher::reply_auth_failure(const stun::MessageView& m, const RequestContext& ctx,
                                      const auth::AuthResult& auth, std::span<uint8_t> out) {
  // Before the limit below: a guess whose answer is not sent still spends its budget.
  guard().on_failure(m, ctx, auth.failure);
  if (!may_answer_error(ctx)) return 0;
  if (auth.outcome == auth::AuthOutcome::Challenge) {
    counters_.auth_challenges.add();
  } else {
    counters_.auth_failures.add();
    counters_.auth_failures_by_reason[static_cast<size_t>(auth.failure)].add();
  }
  Response r(out, m, stun::Class::ErrorResponse);
  stun::ErrorCodeAttribute::of(*auth::error_code(auth.outcome)).add_to(r.builder());
  if (auth::needs_challenge(auth.outcome)) {
    turn_->shared.authenticator->add_challenge(r.builder(), ctx.client, ctx.now, &auth_scratch());
  }
  // No SOFTWARE: an unauthenticated answer stays as small as it can (amplification).
  return r.finish({});
}

size_t Dispatcher::reply_unauthenticated_error(const stun::MessageView& m,
                                               const RequestContext& ctx, stun::ErrorCode code,
                                               std::span<uint8_t> out,
                                               std::span<const uint16_t> unknown) {
  if (!may_answer_error(ctx)) return 0;
  counters_.error_responses.add();
  return error_response(out, m, code, {}, unknown);
}

size_t Dispatcher::limit_if_unverified(size_t size, const RequestContext& ctx,
                                       std::span<const uint8_t> out) {
  // With --no-auth no integrity is ever verified, so TURN's own errors (437, 508, ...)
  // are unauthenticated answers too. With auth, the failures were limited on the way.
  if (size == 0 || turn_->shared.authenticator ||
      stun::class_of(load_u16(out.data())) != stun::Class::ErrorResponse) {
    return size;
  }
  return may_answer_error(ctx) ? size : 0;
}

bool Dispatcher::may_answer_unauthenticated(ChallengeLimiter& limiter, Counter& limited,
                                            const RequestContext& ctx) {
  // Over UDP the source may be spoofed: answer each source only so often (see
  // challenge_limiter.h). Streams proved their address with the handshake.
  if (ctx.transport != Transport::Udp || limiter.allow(ctx.client, ctx.mono_ms)) return true;
  limited.add();
  return false;
}

bool Dispatcher::may_answer_error(const RequestContext& ctx) {
  if (ctx.transport == Transport::Udp) {
    return may_answer_unauthenticated(limits_.errors, counters_.challenges_limited, ctx);
  }
  // A stream's source is proven, so here the budget is about what a client that never
  // authenticates makes ternd write (a pipelined 20-byte request earns a 100-byte 401), not
  // reflection. Every answer spends the source's budget, shared with its UDP; one over it
  // is not sent, and a client not answered on a stream would wait for ever, so the
  // connection is closed.
  const bool within_budget = limits_.errors.allow(ctx.client, ctx.mono_ms);
  if (!ctx.link.stream || ctx.link.stream->unauthenticated_answer_is_free() || within_budget) {
    return true;
  }
  counters_.challenges_limited.add();
  ctx.link.stream->close_after_reply(counters_.stream_closed_unauthenticated,
                                     ClientStream::Linger::Flushed);
  return false;
}

// --secure-stun: Binding goes through the same credential check as an Allocate, and its
// answer carries the integrity the request used.
size_t Dispatcher::handle_secure_binding(const stun::MessageView& m, const RequestContext& ctx,
                                         std::span<uint8_t> out) {
  auth::AuthResult auth;
  if (guard().held_back(m, ctx)) {
    counters_.auth_held_back.add();
    auth.outcome = auth::AuthOutcome::Unauthorized;
    auth.failure = auth::AuthFailure::HeldBack;
    return reply_auth_failure(m, ctx, auth, out);
  }
  auth = turn_->shared.authenticator->check(m, ctx.client, ctx.now, &auth_scratch());
  if (auth.outcome != auth::AuthOutcome::Ok) return reply_auth_failure(m, ctx, auth, out);
  counters_.binding_requests.add();
  return answer_binding(m, ctx, rfc5780_of(ctx), policy_, out,
                        {&auth.key, auth.sha256, auth.signer});
}

Rfc5780Link Dispatcher::rfc5780_of(const RequestContext& ctx) const {
  // Through a balancer the answer must come back from the address it was sent to.
  if (ctx.via) return {};
  using Kind = Rfc5780Grid::Kind;
  auto reached_by = [&](Kind kind) {
    switch (ctx.transport) {
      case Transport::Udp:  // plain STUN on the TLS port's UDP socket is UDP too
        return kind == Kind::Udp || kind == Kind::Dtls;
      case Transport::Tcp:
        return kind == Kind::Tcp;
      case Transport::Tls:
        return kind == Kind::Tls;
      case Transport::Dtls:
        return kind == Kind::Dtls;
    }
    return false;
  };
  for (const Rfc5780Sockets* sockets : rfc5780_) {
    if (!reached_by(sockets->grid.kind)) continue;
    for (uint8_t slot = 0; slot < 4; ++slot) {
      if (sockets->grid.address[slot] == ctx.local) return {sockets, slot};
    }
  }
  return {};
}

AuthGuard Dispatcher::guard() const {
  return {turn_->shared.auth_limiter, *turn_->shared.auth_log,
          counters_.stream_connections_closed_auth};
}

auth::AuthScratch& Dispatcher::auth_scratch() {
  if (!auth_scratch_) auth_scratch_.emplace(turn_->shared.nonces);
  return *auth_scratch_;
}

void Dispatcher::on_tls_handshake_failed(const RequestContext& ctx, std::string_view reason) {
  if (turn_ && turn_->shared.tls_log) {
    turn_->shared.tls_log->note({ctx.client, ctx.local, reason}, steady_ms());
  }
}

void Dispatcher::on_stream_closed(const RequestContext& ctx) {
  if (turn_) turn_->table.remove(FiveTuple::of(ctx), EndReason::StreamClosed);
}

size_t Dispatcher::reply_bad_request(std::span<const uint8_t> packet, const RequestContext& ctx,
                                     std::span<uint8_t> out) {
  auto header = stun::peek_header(packet);
  if (!header || !header->has_magic_cookie ||
      stun::class_of(header->type) != stun::Class::Request) {
    counters_.dropped_malformed.add();
    return 0;
  }
  // The attributes cannot be trusted, so answer from the header alone.
  auto header_only = packet.first(stun::kHeaderSize);
  std::array<uint8_t, stun::kHeaderSize> copy{};
  std::ranges::copy(header_only, copy.begin());
  copy[2] = copy[3] = 0;  // zero length: a bare header is a well-formed message
  auto bare = stun::MessageView::parse(copy);
  if (!bare) return 0;
  return reply_unauthenticated_error(*bare, ctx, stun::ErrorCode::BadRequest, out);
}

}  // namespace tern
