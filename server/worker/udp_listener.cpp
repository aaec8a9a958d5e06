#include "server/worker/udp_listener.h"

#include <ctime>

#include "base/sockets.h"

namespace tern {

namespace {
// Batches read per wakeup before yielding to the loop, so one busy socket cannot starve
// the worker's other sockets and timers.
constexpr int kBatchesPerWakeup = 8;
}  // namespace

Result<std::unique_ptr<UdpListener>, std::string> UdpListener::open(
    event_base* base, const TransportAddress& address, Dispatcher& dispatcher, UdpBatch& batch,
    WorkerCounters& counters, ProxyTrust proxy) {
  auto fd = bind(address);
  if (!fd) return unexpected(fd.error());
  return adopt(base, std::move(*fd), dispatcher, batch, counters, std::move(proxy));
}

Result<FileDescriptor, std::string> UdpListener::bind(const TransportAddress& address) {
  return open_bound_socket(SocketKind::Udp, address,
                           {.receive_buffer = 4 << 20, .send_buffer = 4 << 20});
}

Result<std::unique_ptr<UdpListener>, std::string> UdpListener::adopt(
    event_base* base, FileDescriptor fd, Dispatcher& dispatcher, UdpBatch& batch,
    WorkerCounters& counters, ProxyTrust proxy) {
  auto bound = local_address(fd.get());
  if (!bound) return unexpected(bound.error());
  auto l = std::make_unique<UdpListener>(std::move(fd), *bound, dispatcher, batch, counters,
                                         std::move(proxy));
  l->event_.reset(event_new(base, l->fd_.get(), EV_READ | EV_PERSIST, on_readable, l.get()));
  if (!l->event_ || event_add(l->event_.get(), nullptr) != 0) {
    return unexpected(std::string("event_add failed for UDP ") + bound->to_string());
  }
  return l;
}

UdpListener::UdpListener(FileDescriptor fd, TransportAddress address, Dispatcher& dispatcher,
                         UdpBatch& batch, WorkerCounters& counters, ProxyTrust proxy)
    : fd_(std::move(fd)),
      address_(address),
      dispatcher_(dispatcher),
      batch_(batch),
      counters_(counters),
      proxy_(std::move(proxy)) {}

void UdpListener::on_readable(evutil_socket_t, short, void* self) {
  auto* l = static_cast<UdpListener*>(self);
  for (int i = 0; i < kBatchesPerWakeup; ++i) {
    if (l->read_batch() < UdpBatch::kPackets) break;
  }
}

size_t UdpListener::read_batch() {
  const size_t n = batch_.receive(fd_.get());
  if (n == 0) return 0;
  counters_.udp_datagrams_in.add(n);

  RequestContext ctx;
  ctx.transport = Transport::Udp;
  ctx.local = address_;
  ctx.now = std::time(nullptr);
  ctx.received_us = steady_us();
  ctx.mono_ms = ctx.received_us / 1000;
  ctx.link.udp_fd = fd_.get();
  size_t replies = 0;
  batch_.to_peers.open();
  for (size_t i = 0; i < n; ++i) {
    auto datagram = batch_.datagram(i);
    if (!datagram) continue;
    ctx.client = datagram->from;
    ctx.via.reset();
    std::span<const uint8_t> payload = datagram->payload;
    if (dtls_ && DtlsEndpoint::is_record(payload)) {
      // Decrypted data lives only until the next record: what it relays leaves at once.
      batch_.to_peers.flush();
      dtls_->receive(payload, ctx, !retired_);
      batch_.to_peers.open();
      continue;
    }
    if (!unwrap_proxy(payload, ctx)) continue;
    if (retired_ && !dispatcher_.has_allocation(ctx)) continue;
    auto& out = batch_.out[replies];
    const size_t size = dispatcher_.handle(payload, ctx, out.data);
    if (size == 0) continue;
    out.address = batch_.in[i].address;
    out.iov = {out.data.data(), size};
    auto& oh = batch_.out_headers[replies].msg_hdr;
    oh = {};
    oh.msg_name = &out.address;
    oh.msg_namelen = batch_.in_headers[i].msg_hdr.msg_namelen;
    oh.msg_iov = &out.iov;
    oh.msg_iovlen = 1;
    ++replies;
  }
  // Relayed data before the replies: the payloads live in `in`, which the next
  // recvmmsg overwrites.
  batch_.to_peers.flush();
  flush(replies);
  return n;
}

bool UdpListener::unwrap_proxy(std::span<const uint8_t>& payload, RequestContext& ctx) {
  if (proxy_.trusted.empty() || !proxy_.trusts(ctx.client)) {
    // A header from anyone else is not believed, nor served as if it were STUN. Its first
    // byte (0x0D) is neither STUN's nor ChannelData's, so ordinary traffic pays one compare.
    if (!payload.empty() && payload[0] == 0x0D && parse_proxy_header(payload)) {
      counters_.proxy_untrusted.add();
      return false;
    }
    return true;
  }
  // The balancer's answers come back to its own address, without a header: it maps them
  // to the client's flow by the port it sent from.
  auto header = parse_proxy_header(payload);
  if (!header || header->version != 2 || !header->datagram || !header->source) {
    counters_.proxy_invalid.add();
    return false;
  }
  ctx.via = ctx.client;
  ctx.client = *header->source;
  payload = payload.subspan(header->size);
  return true;
}

void UdpListener::flush(size_t count) {
  size_t sent = 0;
  while (sent < count) {
    const int n = ::sendmmsg(fd_.get(), batch_.out_headers.data() + sent,
                             static_cast<unsigned>(count - sent), 0);
    if (n <= 0) {
      // UDP may drop; a full socket buffer drops the rest of this batch, counted.
      counters_.udp_send_failures.add(count - sent);
      return;
    }
    sent += static_cast<size_t>(n);
    counters_.udp_datagrams_out.add(static_cast<uint64_t>(n));
  }
}

}  // namespace tern
