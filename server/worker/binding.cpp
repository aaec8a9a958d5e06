#include "server/worker/binding.h"

#include <sys/socket.h>

#include <array>
#include <optional>

#include "base/socket_address.h"
#include "protocol/plain_address.h"
#include "protocol/rfc5780_attributes.h"
#include "protocol/xor_address.h"

namespace tern {

namespace {

// What a request asks of RFC 5780 (§7.2, §7.5, §7.6); absent attributes stay empty.
struct DiscoveryAsks {
  stun::ChangeRequest change;
  std::optional<uint16_t> response_port;
  std::optional<size_t> padding;
  bool malformed = false;

  bool any() const { return change.change_ip || change.change_port || response_port || padding; }
};

DiscoveryAsks read_asks(const stun::MessageView& request) {
  DiscoveryAsks asks;
  auto malformed = [&](auto& r) { return !r && r.error() != stun::AttrError::Missing; };
  auto change = stun::ChangeRequest::get_from(request);
  auto port = stun::ResponsePort::get_from(request);
  auto padding = stun::PaddingAttribute::get_from(request);
  asks.malformed = malformed(change) || malformed(port) || malformed(padding);
  if (change) asks.change = *change;
  if (port) asks.response_port = port->port;
  if (padding) asks.padding = padding->length;
  return asks;
}

// Where RFC 5780 is off its attributes are comprehension-required ones this server cannot
// honour: 420 (RFC 8489 §6.3.1), as coturn answers them without RFC 5780. A CHANGE-REQUEST
// asking for no change (RFC 3489 clients send one) asks nothing.
size_t refuse_unsupported(const stun::MessageView& request, const DiscoveryAsks& asks,
                          std::span<uint8_t> out, Signature signature) {
  std::array<uint16_t, 3> unknown{};
  size_t n = 0;
  if (asks.change.change_ip || asks.change.change_port) unknown[n++] = stun::attr::ChangeRequest;
  if (asks.response_port) unknown[n++] = stun::attr::ResponsePort;
  if (asks.padding) unknown[n++] = stun::attr::Padding;
  return error_response(out, request, stun::ErrorCode::UnknownAttribute, signature,
                        std::span(unknown).first(n));
}

// RFC 5780 §3: "Because STUN forbids a server from creating a new TCP or TCP/TLS
// connection to the client, many tests apply only to UDP": an answer on a connection (or
// in a DTLS association) leaves from the address the request reached and goes to its
// source. §6.1: a server without an alternate address and port to answer from MUST answer
// a CHANGE-REQUEST 420, and RESPONSE-PORT is optional (§7.5; §5: clients MUST expect 420
// for it), so on a connection both are 420, as where RFC 5780 is off. Ignoring them would
// answer from Da:Dp where §6.1 says the source MUST be Ca or Cp. PADDING is honoured: §6.1
// puts it in any answer to a request that has it.
bool refused_on_connection(const DiscoveryAsks& asks) {
  return asks.change.change_ip || asks.change.change_port || asks.response_port;
}

bool malformed_asks(const DiscoveryAsks& asks) {
  // RFC 5780 §7.6: PADDING with RESPONSE-PORT is a 400 (padding probes the path the
  // request came by, which an answer to another port does not take back).
  return asks.malformed || (asks.response_port && (*asks.response_port == 0 || asks.padding));
}

}  // namespace

size_t answer_binding(const stun::MessageView& request, const RequestContext& ctx,
                      Rfc5780Link rfc5780, const ResponsePolicy& policy, std::span<uint8_t> out,
                      Signature signature) {
  const DiscoveryAsks asks = read_asks(request);
  const Rfc5780Sockets* sockets = rfc5780.sockets;
  const Rfc5780Grid* grid = sockets ? &sockets->grid : nullptr;
  if (!grid && asks.any()) return refuse_unsupported(request, asks, out, signature);
  // Only a UDP answer can leave from another socket or go to another port.
  const bool datagram = grid && ctx.transport == Transport::Udp;
  if (grid && !datagram && refused_on_connection(asks)) {
    DiscoveryAsks refused = asks;
    refused.padding.reset();
    return refuse_unsupported(request, refused, out, signature);
  }
  if (malformed_asks(asks)) {
    return error_response(out, request, stun::ErrorCode::BadRequest, signature);
  }
  uint8_t from = rfc5780.slot;
  if (asks.change.change_ip) from ^= Rfc5780Grid::kOtherIp;
  if (asks.change.change_port) from ^= Rfc5780Grid::kOtherPort;
  const TransportAddress origin = grid ? grid->address[from] : ctx.local;

  Response r(out, request, stun::Class::SuccessResponse);
  const bool rfc3489 = !request.has_magic_cookie();
  if (rfc3489) {
    stun::MappedAddress{ctx.client}.add_to(r.builder());
    stun::SourceAddress{origin}.add_to(r.builder());
  } else {
    stun::XorMappedAddress{ctx.client}.add_to(r.builder());
    stun::ResponseOrigin{origin}.add_to(r.builder());
  }
  if (grid) {
    // §7.4: the address that differs from the one the request reached in both IP and port.
    const TransportAddress& other =
        grid->address[rfc5780.slot ^ (Rfc5780Grid::kOtherIp | Rfc5780Grid::kOtherPort)];
    if (rfc3489) {
      stun::ChangedAddress{other}.add_to(r.builder());
    } else {
      stun::OtherAddress{other}.add_to(r.builder());
    }
  }
  // PADDING as long as the request's: the client paid for every byte of it, so the answer
  // grows no more than a plain one would (bounded by the datagram it came in, and by
  // `out`, past which nothing is sent).
  if (asks.padding) stun::PaddingAttribute{*asks.padding}.add_to(r.builder());
  const size_t size = r.finish(policy, signature);
  if (size == 0 || !datagram) return size;

  // RFC 5780 §7.5: RESPONSE-PORT names a port of the request's source IP; the IP never
  // changes, so an answer goes to no host the request did not come from.
  TransportAddress to = ctx.client;
  if (asks.response_port) to.port = *asks.response_port;
  if (from == rfc5780.slot && to == ctx.client) return size;
  const SockAddr dest = to_sockaddr(to);
  ::sendto(sockets->fd[from], out.data(), size, MSG_DONTWAIT, dest.get(), dest.length);
  return 0;
}

}  // namespace tern
