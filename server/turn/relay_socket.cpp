#include "server/turn/relay_socket.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/socket_address.h"

namespace tern {

namespace {
constexpr int kBatchesPerWakeup = 8;
constexpr size_t kIcmpReportsPerWakeup = 16;

// RFC 8656 §11.5 relays ICMPv4 types 3 (destination unreachable) and 11 (time exceeded),
// ICMPv6 types 1 (destination unreachable), 2 (packet too big) and 3 (time exceeded).
bool relayable_icmp(const IcmpReport& r) {
  return r.icmpv6 ? (r.type >= 1 && r.type <= 3) : (r.type == 3 || r.type == 11);
}

// sendto, once more when what failed was an earlier datagram's ICMP error (IP_RECVERR
// reports it on the next send, once).
bool send_now(int fd, const SockAddr& to, std::span<const uint8_t> data) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::sendto(fd, data.data(), data.size(), 0, to.get(), to.length) >= 0) return true;
    if (!is_reported_icmp_error(errno)) return false;
  }
  return false;
}
}  // namespace

std::unique_ptr<RelaySocket> RelaySocket::open(PortLease lease, PeerReceiver& receiver,
                                               RelayIo& io) {
  auto s = std::make_unique<RelaySocket>(std::move(lease), receiver, io);
  // Without it ICMP errors about peers are lost; the relay works as before, so not fatal.
  enable_icmp_reports(s->lease_.fd(), s->address().family);
  if (!s->attach(io)) return nullptr;
  return s;
}

RelaySocket::RelaySocket(PortLease lease, PeerReceiver& receiver, RelayIo& io)
    : lease_(std::move(lease)),
      receiver_(receiver),
      io_(nullptr),
      external_(io.external.current()) {}

RelaySocket::~RelaySocket() {
  detach();
}

void RelaySocket::detach() {
  event_.reset();
  if (!io_) return;
  io_->local.remove(this);
  io_->batch.to_peers.forget(lease_.fd());
  io_ = nullptr;
}

bool RelaySocket::attach(RelayIo& io) {
  io_ = &io;
  io_->local.add(this);
  event_.reset(event_new(io.base, lease_.fd(), EV_READ | EV_PERSIST, on_readable, this));
  return event_ && event_add(event_.get(), nullptr) == 0;
}

void LocalRelays::add(RelaySocket* s) {
  map_[s->address()] = s;
}

void LocalRelays::remove(RelaySocket* s) {
  auto it = map_.find(s->address());
  if (it != map_.end() && it->second == s) map_.erase(it);
}

bool RelaySocket::send_to_peer(const TransportAddress& peer, std::span<const uint8_t> data) {
  const TransportAddress actual = external_->actual(peer);
  if (RelaySocket* target = io_->local.find(actual)) {
    io_->counters.relayed_in_process.add();
    target->receive_local(advertised(), data);
  } else {
    // Queued with the rest of the receive batch when there is one (counted as relayed now;
    // one the kernel refuses at the flush is a relay_send_failure, as sendto's would be).
    const SockAddr to = to_sockaddr(actual);
    if (!io_->batch.to_peers.send(lease_.fd(), to, data) && !send_now(lease_.fd(), to, data)) {
      io_->counters.relay_send_failures.add();
      return false;
    }
  }
  return true;
}

void RelaySocket::on_readable(evutil_socket_t, short, void* self) {
  auto* s = static_cast<RelaySocket*>(self);
  for (int i = 0; i < kBatchesPerWakeup; ++i) {
    const size_t n = s->read_batch();
    // A wakeup with nothing to read is an error on the queue (EPOLLERR wakes the reader
    // until it is read) or, rarely, spurious: only then is the error queue looked at, so
    // relaying pays nothing for it.
    if (n == 0 && i == 0) s->report_icmp_errors(s->io_->now_ms());
    if (n < UdpBatch::kPackets) break;
  }
}

void RelaySocket::report_icmp_errors(int64_t now_ms) {
  std::array<IcmpReport, kIcmpReportsPerWakeup> reports;
  const size_t n = read_icmp_reports(lease_.fd(), reports);
  if (n == 0) return;
  receiver_.begin_from_peers(*io_, now_ms);
  for (size_t i = 0; i < n; ++i) {
    if (!relayable_icmp(reports[i])) continue;
    // The client knows the peer by its advertised address, as for data.
    receiver_.icmp_from_peer(*io_, external_->advertised(reports[i].destination), reports[i],
                             now_ms);
  }
}

void RelaySocket::receive_local(const TransportAddress& from, std::span<const uint8_t> data) {
  auto& scratch = io_->scratch;
  if (data.size() > scratch.size() - kHeadroom - kTailroom) {
    io_->counters.dropped_truncated.add();
    return;
  }
  std::memcpy(scratch.data() + kHeadroom, data.data(), data.size());
  const int64_t now_ms = io_->now_ms();
  receiver_.begin_from_peers(*io_, now_ms);
  receiver_.from_peer(*io_, from, std::span(scratch.data() + kHeadroom, data.size()), now_ms);
}

size_t RelaySocket::read_batch() {
  UdpBatch& b = io_->batch;
  const size_t n = b.receive(lease_.fd(), kHeadroom, kTailroom);
  if (n == 0) return 0;

  const int64_t now_ms = io_->now_ms();
  receiver_.begin_from_peers(*io_, now_ms);
  for (size_t i = 0; i < n; ++i) {
    auto datagram = b.datagram(i);
    if (!datagram) continue;
    // A packet from another of our own relays carries its private source; the client
    // knows that relay by its advertised address, and made its permission for that.
    receiver_.from_peer(*io_, external_->advertised(datagram->from), datagram->payload, now_ms);
  }
  return n;
}

}  // namespace tern
