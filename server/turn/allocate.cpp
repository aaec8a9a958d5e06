// Allocate (RFC 8656 §7.2, with RFC 6156's address families folded in).

#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "server/turn/tcp_relay.h"
#include "server/turn/turn_context.h"

namespace tern {

namespace {

using stun::ErrorCode;

struct AllocateAsk {
  bool tcp = false;              // RFC 6062: a TCP relayed address
  std::vector<Family> families;  // the first is the primary; a second is the additional one
  std::optional<stun::ReservationToken> token;
  std::optional<stun::EvenPort> even;
  bool dont_fragment = false;
  std::optional<uint32_t> lifetime;
};

// Steps 3 to 7: what the request asks for, or the error it earns.
// RFC 6156 §4.2 says IPv4; allocation-default-address-family may say otherwise. A family
// this server cannot relay falls back to the other one, as IPv4 always did.
Family default_family(const TurnShared& shared, const TransportAddress& client) {
  Family preferred = shared.settings.default_family.value_or(client.family);
  Family other = preferred == Family::V4 ? Family::V6 : Family::V4;
  return shared.relay_pools().serves(preferred) ? preferred : other;
}

// Step 4 with RFC 6062 §5.1: UDP, or TCP asked over TCP or TLS; either may be switched
// off (no-udp-relay, no-tcp-relay: 442, as coturn answers).
Result<bool, ErrorCode> read_transport(const stun::MessageView& m, const TurnSettings& settings,
                                       Transport client_transport) {
  auto transport = stun::RequestedTransport::get_from(m);
  if (!transport) return unexpected(ErrorCode::BadRequest);
  if (transport->protocol == stun::RequestedTransport::kUdp && settings.udp_relay) return false;
  if (transport->protocol != stun::RequestedTransport::kTcp || !settings.tcp_relay) {
    return unexpected(ErrorCode::UnsupportedTransportProtocol);
  }
  // "If the client connection transport is not TCP or TLS, the server MUST reject the
  // request with a 400 (Bad Request) error." DTLS runs over UDP.
  if (client_transport == Transport::Udp || client_transport == Transport::Dtls) {
    return unexpected(ErrorCode::BadRequest);
  }
  return true;
}

Result<AllocateAsk, ErrorCode> read_request(const stun::MessageView& m, const TurnShared& shared,
                                            const RequestContext& ctx) {
  const TransportAddress& client = ctx.client;
  auto tcp = read_transport(m, shared.settings, ctx.transport);
  if (!tcp) return unexpected(tcp.error());
  AllocateAsk ask;
  ask.tcp = *tcp;
  ask.dont_fragment = m.has(stun::attr::DontFragment);
  if (auto l = stun::Lifetime::get_from(m)) ask.lifetime = l->seconds;

  auto token = stun::ReservationToken::get_from(m);
  auto even = stun::EvenPort::get_from(m);
  auto requested = stun::RequestedAddressFamily::get_from(m);
  auto additional = stun::AdditionalAddressFamily::get_from(m);
  for (auto e : {token ? stun::AttrError::Missing : token.error(),
                 even ? stun::AttrError::Missing : even.error(),
                 additional ? stun::AttrError::Missing : additional.error()}) {
    if (e != stun::AttrError::Missing) return unexpected(ErrorCode::BadRequest);
  }
  if (!requested && requested.error() == stun::AttrError::UnsupportedFamily) {
    return unexpected(ErrorCode::AddressFamilyNotSupported);
  }
  if (!requested && requested.error() != stun::AttrError::Missing) {
    return unexpected(ErrorCode::BadRequest);
  }
  // Step 5: a reservation fixes port and family, so nothing may ask for either.
  if (token && (even || requested || additional)) return unexpected(ErrorCode::BadRequest);
  // Step 7: one family attribute or the other; the additional one can only be IPv6.
  if (requested && additional) return unexpected(ErrorCode::BadRequest);
  if (additional && additional->family != Family::V6) return unexpected(ErrorCode::BadRequest);
  // A TCP relay is one listening address: no port pairs, no second family.
  if (ask.tcp && (token || even || additional)) return unexpected(ErrorCode::BadRequest);

  if (token) ask.token = *token;
  if (even) ask.even = *even;
  if (requested) {
    ask.families = {requested->family};
  } else if (additional) {
    ask.families = {Family::V4, Family::V6};
  } else {
    ask.families = {default_family(shared, client)};
  }
  if (!token && !shared.relay_pools().serves(ask.families.front())) {
    return unexpected(ErrorCode::AddressFamilyNotSupported);
  }
  return ask;
}

void set_dont_fragment(int fd, Family family) {
  // Linux sets DF on every datagram with path-MTU discovery "do".
  const int value = IP_PMTUDISC_DO;
  if (family == Family::V4) {
    ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &value, sizeof value);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &value, sizeof value);
  }
}

struct Leases {
  PortLease primary;
  std::optional<PortLease> additional;
  std::optional<ErrorCode> additional_error;  // for ADDRESS-ERROR-CODE
  std::optional<ReservationToken> token;      // the R bit's reservation
  QuotaCharge charge;  // the allocation's place in the quotas, until the table has it
};

bool reserves_next(const AllocateAsk& ask) {
  return ask.even && ask.even->reserve_next;
}

// The reserved port of a RESERVATION-TOKEN, with the place its reservation held.
Result<Leases, ErrorCode> claim_reservation(TurnShared& shared, const stun::ReservationToken& token,
                                            const std::string& user) {
  auto claimed = shared.reservations.take(token.token, user, std::chrono::steady_clock::now());
  if (!claimed) {
    return unexpected(claimed.error() == ClaimError::QuotaReached
                          ? ErrorCode::AllocationQuotaReached
                          : ErrorCode::InsufficientCapacity);  // step 5: invalid token
  }
  Leases out;
  out.primary = std::move(claimed->lease);
  out.charge = std::move(claimed->charge);
  if (!out.charge.held()) {  // a reservation made without a place: charge the claimer
    auto charges = shared.quotas.try_charge(user);
    if (charges.empty()) return unexpected(ErrorCode::AllocationQuotaReached);
    out.charge = std::move(charges.front());
  }
  return out;
}

// Step 10 (quotas), then the relayed transport addresses (RFC 8656 §7.2, the part after
// the checks).
Result<Leases, ErrorCode> acquire_leases(TurnShared& shared, const AllocateAsk& ask,
                                         const std::string& user) {
  if (ask.token) return claim_reservation(shared, *ask.token, user);
  // EVEN-PORT R takes two places, the allocation's and the reservation's: else R plus
  // Refresh 0 in a loop holds ports past the quota.
  auto charges = shared.quotas.try_charge(user, reserves_next(ask) ? 2 : 1);
  if (charges.empty()) return unexpected(ErrorCode::AllocationQuotaReached);
  Leases out;
  out.charge = std::move(charges.front());
  const auto now = std::chrono::steady_clock::now();
  RelayPools& pools = shared.relay_pools();
  auto no_capacity = [&](const AcquireError& e) {
    shared.note_capacity_failure(e);
    return unexpected(ErrorCode::InsufficientCapacity);
  };
  if (reserves_next(ask)) {
    auto pair = pools.acquire_pair(ask.families.front());
    if (!pair) return no_capacity(pair.error());
    out.primary = std::move(pair->first);
    out.token =
        shared.reservations.reserve(std::move(pair->second), std::move(charges.back()), now);
    if (!out.token) return unexpected(ErrorCode::InsufficientCapacity);
  } else {
    auto lease = pools.acquire(ask.families.front(), ask.even.has_value());
    if (!lease) return no_capacity(lease.error());
    out.primary = std::move(*lease);
  }
  if (ask.families.size() > 1) {
    if (!pools.serves(ask.families[1])) {
      out.additional_error = ErrorCode::AddressFamilyNotSupported;
    } else if (auto lease = pools.acquire(ask.families[1])) {
      out.additional = std::move(*lease);
    } else {
      shared.note_capacity_failure(lease.error());
      out.additional_error = ErrorCode::InsufficientCapacity;
    }
  }
  return out;
}

size_t success(TurnContext& t, const TurnRequest& r, const Allocation& a, const Leases& leases,
               int64_t lifetime_s, Family additional_family) {
  Response resp(r.out, r.message, stun::Class::SuccessResponse);
  auto& b = resp.builder();
  for (const auto& relay : a.relays()) stun::XorRelayedAddress{relay->advertised()}.add_to(b);
  if (a.tcp_relay()) stun::XorRelayedAddress{a.tcp_relay()->advertised()}.add_to(b);
  stun::Lifetime{static_cast<uint32_t>(lifetime_s)}.add_to(b);
  if (leases.token) b.add(stun::attr::ReservationToken, std::span<const uint8_t>(*leases.token));
  stun::XorMappedAddress{r.ctx.client}.add_to(b);
  if (leases.additional_error) {
    stun::AddressErrorCode{additional_family, static_cast<uint16_t>(*leases.additional_error),
                           stun::default_reason(*leases.additional_error)}
        .add_to(b);
  }
  add_mobility_ticket(t, a, b);
  return resp.finish(t.policy, r.signature());
}

}  // namespace

constexpr int kTcpPortTries = 8;

size_t handle_allocate(TurnContext& t, const TurnRequest& r) {
  const FiveTuple tuple = r.tuple();
  // Step 2: the 5-tuple already has an allocation. A retransmission of the request that
  // made it gets the same answer again.
  if (Allocation* existing = t.table.find(tuple, r.ctx.mono_ms)) {
    auto cached = existing->cached_allocate_response(r.message.transaction_id());
    if (!cached.empty() && cached.size() <= r.out.size()) {
      std::ranges::copy(cached, r.out.begin());
      return cached.size();
    }
    return reject(t, r, ErrorCode::AllocationMismatch);
  }
  auto ask = read_request(r.message, t.shared, r.ctx);
  if (!ask) return reject(t, r, ask.error());
  auto mobile = read_mobility_ask(t, r);
  if (!mobile) return reject(t, r, mobile.error());
  auto leases = acquire_leases(t.shared, *ask, r.auth.username);
  if (!leases) {
    if (leases.error() == ErrorCode::InsufficientCapacity) {
      t.counters.allocations_failed_capacity.add();
    }
    return reject(t, r, leases.error());
  }
  const int64_t lifetime_s = granted_lifetime(t.shared.settings, ask->lifetime);
  auto a = std::make_unique<Allocation>(tuple, r.auth.username, r.ctx.mono_ms + lifetime_s * 1000,
                                        r.ctx.link);
  // Takes the realm's max-bps (store over flag); a later change reaches it on its next
  // packet.
  synced_realm(t, *a, r.ctx.mono_ms);
  if (*mobile) a->make_mobile(r.auth.key);
  for (PortLease* lease : {&leases->primary, leases->additional ? &*leases->additional : nullptr}) {
    if (!lease) continue;
    if (ask->tcp) {
      auto relay = TcpRelay::open(std::move(*lease), *a, t.io, t.shared, t.policy);
      // The relayed port is leased for UDP; another TCP socket of this host may hold it
      // for TCP (an outgoing connection's ephemeral port). Another port then, a few times.
      for (int tries = 1; !relay && tries < kTcpPortTries; ++tries) {
        auto again = acquire_leases(t.shared, *ask, r.auth.username);
        if (!again) return reject(t, r, again.error());
        leases = std::move(again);
        relay = TcpRelay::open(std::move(leases->primary), *a, t.io, t.shared, t.policy);
      }
      if (!relay) return reject(t, r, ErrorCode::ServerError);
      a->set_tcp_relay(std::move(relay));
      continue;
    }
    if (ask->dont_fragment) set_dont_fragment(lease->fd(), lease->address().family);
    auto relay = RelaySocket::open(std::move(*lease), *a, t.io);
    if (!relay) return reject(t, r, ErrorCode::ServerError);  // `leases` gives the place back
    a->add_relay(std::move(relay));
  }
  leases->charge.hand_over();  // the table gives it back when the allocation goes
  Allocation& made = t.table.insert(std::move(a), t.shared.settings.realm);
  const Family additional_family = ask->families.size() > 1 ? ask->families[1] : Family::V6;
  const size_t size = success(t, r, made, *leases, lifetime_s, additional_family);
  made.remember_allocate(r.message.transaction_id(), r.out.first(size));
  return size;
}

}  // namespace tern
