#include "bench/turn_session.h"

#include <array>

#include "bench/clock.h"
#include "protocol/error_code.h"

namespace tern::bench {
namespace {

constexpr uint32_t kSessionTag = 0x7e5e5510;

bool is_stale_nonce(const Reply& r) {
  return r.error == static_cast<uint16_t>(stun::ErrorCode::StaleNonce) && !r.nonce.empty();
}

}  // namespace

SessionEvent SessionDriver::start(Session& s, uint64_t key, int64_t now) {
  std::string error;
  s.conn = Conn::open(transport_, server_, tls_, error, source_ ? &*source_ : nullptr);
  s.started_ns = now;
  if (!s.conn.valid()) return fail(s, "connect");
  poller_.add(s.conn.fd(), key);
  send_request(s, Phase::AllocateChallenge, now, false);
  return SessionEvent::None;
}

void SessionDriver::send_request(Session& s, Phase phase, int64_t now, bool same_id) {
  if (!same_id) {
    s.txid = make_transaction_id(now, kSessionTag ^ ++sequence_);
    s.tries = 0;
  }
  s.phase = phase;
  s.request_sent_ns = now;
  s.tries++;
  const Auth auth{.username = credentials_.username(),
                  .realm = s.realm,
                  .nonce = s.nonce,
                  .key = credentials_.key_for(s.realm)};
  std::array<uint8_t, 512> buf{};
  size_t n = 0;
  switch (phase) {
    case Phase::AllocateChallenge:
      n = build_allocate(buf, s.txid, nullptr);
      break;
    case Phase::AllocateSigned:
      n = build_allocate(buf, s.txid, &auth);
      break;
    case Phase::PermissionSent:
      n = build_create_permission(buf, s.txid, goal_.peer, auth);
      break;
    case Phase::ChannelSent:
      n = build_channel_bind(buf, s.txid, goal_.channel_number, goal_.peer, auth);
      break;
    case Phase::Refreshing:
      n = build_refresh(buf, s.txid, s.lifetime, auth);
      break;
    case Phase::Deleting:
      n = build_refresh(buf, s.txid, 0, auth);
      break;
    default:
      return;
  }
  s.conn.send(io_, std::span(buf).first(n));
  s.conn.flush(io_);
}

SessionEvent SessionDriver::after_allocated(Session& s, int64_t now) {
  if (goal_.permission && s.phase == Phase::AllocateSigned) {
    send_request(s, Phase::PermissionSent, now, false);
    return SessionEvent::None;
  }
  if (goal_.channel && s.phase != Phase::ChannelSent) {
    send_request(s, Phase::ChannelSent, now, false);
    return SessionEvent::None;
  }
  s.phase = Phase::Ready;
  s.ready_ns = now;
  // Refresh at half the lifetime granted: early enough that a slow round trip never lets
  // an allocation lapse while it is being measured.
  s.refresh_due_ns = now + int64_t{s.lifetime} * kNsPerSec / 2;
  return SessionEvent::Ready;
}

SessionEvent SessionDriver::on_message(Session& s, std::span<const uint8_t> bytes, int64_t now) {
  const auto m = stun::MessageView::parse(bytes);
  if (!m || m->transaction_id_copy() != s.txid) return SessionEvent::None;
  const Reply r = read_reply(*m);
  if (!r.is_response()) return SessionEvent::None;
  const bool ok = r.cls == stun::Class::SuccessResponse;

  switch (s.phase) {
    case Phase::AllocateChallenge:
      if (ok) {  // a server without authentication
        s.relayed = r.relayed.value_or(TransportAddress{});
        s.lifetime = r.lifetime;
        s.phase = Phase::AllocateSigned;
        return after_allocated(s, now);
      }
      if (r.error != static_cast<uint16_t>(stun::ErrorCode::Unauthorized) || r.nonce.empty()) {
        return fail(s, std::to_string(r.error));
      }
      s.nonce = r.nonce;
      s.realm = r.realm;
      send_request(s, Phase::AllocateSigned, now, false);
      return SessionEvent::None;
    case Phase::AllocateSigned:
    case Phase::PermissionSent:
    case Phase::ChannelSent:
    case Phase::Refreshing:
      if (is_stale_nonce(r)) {
        s.nonce = r.nonce;
        send_request(s, s.phase, now, false);
        return SessionEvent::None;
      }
      if (!ok) return fail(s, std::to_string(r.error));
      if (s.phase == Phase::AllocateSigned) {
        s.relayed = r.relayed.value_or(TransportAddress{});
        s.lifetime = r.lifetime;
      }
      if (s.phase == Phase::Refreshing) {
        if (r.lifetime) s.lifetime = r.lifetime;
        s.refreshes++;
        s.phase = Phase::Ready;
        s.refresh_due_ns = now + int64_t{s.lifetime} * kNsPerSec / 2;
        return SessionEvent::None;
      }
      return after_allocated(s, now);
    case Phase::Deleting:
      if (is_stale_nonce(r)) {
        s.nonce = r.nonce;
        send_request(s, Phase::Deleting, now, false);
        return SessionEvent::None;
      }
      // 437: the allocation was already gone, which is what deleting wanted.
      if (!ok && r.error != static_cast<uint16_t>(stun::ErrorCode::AllocationMismatch)) {
        s.failure = std::to_string(r.error);
      }
      return close(s);
    default:
      return SessionEvent::None;
  }
}

SessionEvent SessionDriver::tick(Session& s, int64_t now, bool refresh) {
  switch (s.phase) {
    case Phase::Ready:
      if (refresh && s.lifetime > 0 && now >= s.refresh_due_ns) {
        send_request(s, Phase::Refreshing, now, false);
      }
      return SessionEvent::None;
    case Phase::AllocateChallenge:
    case Phase::AllocateSigned:
    case Phase::PermissionSent:
    case Phase::ChannelSent:
    case Phase::Refreshing:
    case Phase::Deleting:
      break;
    default:
      return SessionEvent::None;
  }
  // RFC 8489 §6.2.1 doubles the interval; a benchmark wants a bounded wait instead.
  if (now - s.request_sent_ns < int64_t{timeout_ms_} * kNsPerMs) return SessionEvent::None;
  if (s.tries >= kMaxTries || transport_ != Transport::Udp) {
    if (s.phase == Phase::Deleting) {
      s.failure = "timeout";
      return close(s);
    }
    return fail(s, "timeout");
  }
  send_request(s, s.phase, now, true);
  return SessionEvent::None;
}

SessionEvent SessionDriver::start_delete(Session& s, int64_t now) {
  if (s.phase == Phase::Closed) return SessionEvent::Closed;
  // A session that failed after its Allocate succeeded still holds an allocation.
  if (s.relayed.port == 0 || !s.conn.valid()) {
    return close(s);
  }
  send_request(s, Phase::Deleting, now, false);
  return SessionEvent::None;
}

SessionEvent SessionDriver::fail(Session& s, std::string why) {
  s.failure = std::move(why);
  s.phase = Phase::Failed;
  return SessionEvent::Failed;
}

SessionEvent SessionDriver::close(Session& s) {
  if (s.conn.valid()) {
    poller_.remove(s.conn.fd());
    s.conn.close();
  }
  s.phase = Phase::Closed;
  return SessionEvent::Closed;
}

}  // namespace tern::bench
