#include "server/shared/relay_ports.h"

#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <system_error>

#include "base/socket_address.h"

namespace tern {

namespace {

constexpr uint32_t kLowestPort = 1024;
constexpr int kRelayReceiveBuffer = 1 << 20;

// Not open_bound_socket(): it sets SO_REUSEADDR, and on Linux two UDP sockets that both set
// it may bind the same address and port, the later one taking the datagrams. A relay port
// must be ours alone, so a port another socket holds has to fail with EADDRINUSE.
Result<FileDescriptor, int> bind_relay_socket(const TransportAddress& address) {
  const int domain = socket_domain(address);
  FileDescriptor fd(::socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(errno);
  const int one = 1;
  if (domain == AF_INET6 &&
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
    return unexpected(errno);
  }
  // A peer's media arrives in bursts (a video keyframe is dozens of packets at once) while
  // the worker may be busy with other sockets; the default 208 KiB holds only a few
  // hundred small datagrams. This is a limit, not an allocation, and the kernel caps it at
  // net.core.rmem_max, the operator's call.
  const int buffer = kRelayReceiveBuffer;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  const SockAddr sa = to_sockaddr(address);
  if (::bind(fd.get(), sa.get(), sa.length) != 0) return unexpected(errno);
  return fd;
}

size_t port_count(uint16_t min_port, uint16_t max_port) {
  return max_port >= min_port ? size_t{max_port} - min_port + 1 : 0;
}

AcquireError socket_failed(const std::string& what, int err) {
  return {AcquireError::Kind::SocketFailed, what + ": " + std::generic_category().message(err)};
}

}  // namespace

PortLease::PortLease(PortLease&& o) noexcept
    : pool_(std::exchange(o.pool_, nullptr)), fd_(std::move(o.fd_)), address_(o.address_) {}

PortLease& PortLease::operator=(PortLease&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = std::exchange(o.pool_, nullptr);
    fd_ = std::move(o.fd_);
    address_ = o.address_;
  }
  return *this;
}

void PortLease::reset() {
  if (pool_ == nullptr) return;
  pool_->set_bound(address_.port, false);  // before the close: no other socket is ever "ours"
  fd_.reset();  // then: the port must be unbound before another thread can pick it
  std::exchange(pool_, nullptr)->give_back(address_.port);
}

RelayPorts::RelayPorts(TransportAddress relay_ip, uint16_t min_port, uint16_t max_port,
                       std::chrono::steady_clock::duration refused_cooldown)
    : relay_ip_([&] {
        relay_ip.port = 0;
        return relay_ip;
      }()),
      min_port_(static_cast<uint16_t>(std::max<uint32_t>(min_port, kLowestPort))),
      refused_cooldown_(refused_cooldown),
      bound_(std::make_unique<std::atomic<bool>[]>(port_count(min_port_, max_port))) {
  const size_t count = port_count(min_port_, max_port);
  slots_.resize(count, Slot::Leased);  // make_free() needs every port to start off any list
  positions_.resize(count, 0);
  // From the top so each even port finds its odd neighbour already free and starts Paired.
  for (size_t i = count; i-- > 0;) make_free(static_cast<uint16_t>(min_port_ + i));
}

RelayPorts::~RelayPorts() {
  assert(leased_ == 0 && "a PortLease outlived its RelayPorts");
}

// slots_ never changes size after construction, so reading its size needs no lock.
bool RelayPorts::is_leased(uint16_t port) const {
  if (port < min_port_ || index(port) >= slots_.size()) return false;
  return bound_[index(port)].load(std::memory_order_acquire);
}

void RelayPorts::set_bound(uint16_t port, bool bound) {
  bound_[index(port)].store(bound, std::memory_order_release);
}

size_t RelayPorts::in_use() const {
  std::lock_guard lock(mutex_);
  return leased_;
}

size_t RelayPorts::available() const {
  std::lock_guard lock(mutex_);
  return lists_[0].size() + lists_[1].size() + lists_[2].size();
}

// Predictable relay ports are an advisory class, so every pick draws from the CSPRNG. One
// RAND_bytes call costs as much as the rest of the pick and bind (its DRBG locks and
// reseed checks), so the pool draws a batch and hands the words out one per pick, each
// used once. The modulo bias over at most 65536 choices is below 2^-48.
std::optional<uint64_t> RelayPorts::next_random() {
  std::lock_guard lock(mutex_);
  if (random_used_ == random_.size()) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(random_.data()), sizeof random_) != 1) {
      return std::nullopt;
    }
    random_used_ = 0;
  }
  return std::exchange(random_[random_used_++], 0);
}

Result<PortLease, AcquireError> RelayPorts::acquire(bool even) {
  const auto now = Clock::now();
  for (int attempt = 0; attempt < kMaxBindAttempts; ++attempt) {
    const auto random = next_random();
    if (!random) return unexpected(AcquireError{AcquireError::Kind::SocketFailed, "RAND_bytes"});
    const auto taken = take(even ? Want::Even : Want::Any, *random, now);
    if (!taken) {
      return unexpected(AcquireError{AcquireError::Kind::Exhausted,
                                     std::string("no free ") + (even ? "even " : "") +
                                         "relay port on " + relay_ip_.ip_string()});
    }
    auto lease = try_bind(taken->port, now);
    if (!lease) return unexpected(lease.error());
    if (*lease) return std::move(**lease);
  }
  return unexpected(
      AcquireError{AcquireError::Kind::Exhausted, "relay ports on " + relay_ip_.ip_string() +
                                                      " held by other sockets, " +
                                                      std::to_string(kMaxBindAttempts) + " tries"});
}

Result<std::pair<PortLease, PortLease>, AcquireError> RelayPorts::acquire_pair() {
  const auto now = Clock::now();
  for (int attempt = 0; attempt < kMaxBindAttempts; ++attempt) {
    const auto random = next_random();
    if (!random) return unexpected(AcquireError{AcquireError::Kind::SocketFailed, "RAND_bytes"});
    const auto taken = take(Want::Pair, *random, now);
    if (!taken) {
      return unexpected(
          AcquireError{AcquireError::Kind::Exhausted,
                       "no free even/odd relay port pair on " + relay_ip_.ip_string()});
    }
    auto even = try_bind(taken->port, now);
    if (!even || !*even) give_back(taken->pair_port);
    if (!even) return unexpected(even.error());
    if (!*even) continue;
    auto odd = try_bind(taken->pair_port, now);  // on failure `even` gives its port back
    if (!odd) return unexpected(odd.error());
    if (*odd) return std::pair(std::move(**even), std::move(**odd));
  }
  return unexpected(
      AcquireError{AcquireError::Kind::Exhausted, "relay port pairs on " + relay_ip_.ip_string() +
                                                      " held by other sockets, " +
                                                      std::to_string(kMaxBindAttempts) + " tries"});
}

// A lease, nothing (the port is bound elsewhere: set aside, try another), or an error that
// another port would not cure (the port goes back).
Result<std::optional<PortLease>, AcquireError> RelayPorts::try_bind(uint16_t port,
                                                                    Clock::time_point now) {
  TransportAddress address = relay_ip_;
  address.port = port;
  auto fd = bind_relay_socket(address);
  if (fd) {
    set_bound(port, true);
    return std::optional(PortLease(this, std::move(*fd), address));
  }
  if (fd.error() == EADDRINUSE) {
    set_aside(port, now);
    return std::optional<PortLease>();
  }
  give_back(port);
  return unexpected(socket_failed("relay socket " + address.to_string(), fd.error()));
}

std::optional<RelayPorts::Taken> RelayPorts::take(Want want, uint64_t random,
                                                  Clock::time_point now) {
  std::lock_guard lock(mutex_);
  readmit_refused(now);
  const auto& odd = lists_[static_cast<size_t>(Slot::Odd)];
  const auto& paired = lists_[static_cast<size_t>(Slot::EvenPaired)];
  const auto& single = lists_[static_cast<size_t>(Slot::EvenSingle)];
  // The candidates are laid end to end (paired, single, odd) and one index picks among them;
  // Even stops before the odd list, Pair after the paired one.
  const size_t count = paired.size() + (want == Want::Pair ? 0 : single.size()) +
                       (want == Want::Any ? odd.size() : 0);
  if (count == 0) return std::nullopt;
  size_t i = random % count;
  uint16_t port = 0;
  if (i < paired.size()) {
    port = paired[i];
  } else if ((i -= paired.size()) < single.size()) {
    port = single[i];
  } else {
    port = odd[i - single.size()];
  }
  Taken taken{port, 0};
  if (want == Want::Pair) {
    taken.pair_port = static_cast<uint16_t>(port + 1);
    make_leased(taken.pair_port);
    ++leased_;
  }
  make_leased(port);
  ++leased_;
  return taken;
}

void RelayPorts::give_back(uint16_t port) {
  std::lock_guard lock(mutex_);
  assert(slots_[index(port)] == Slot::Leased);
  --leased_;
  make_free(port);
}

void RelayPorts::set_aside(uint16_t port, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  assert(slots_[index(port)] == Slot::Leased);
  --leased_;
  slots_[index(port)] = Slot::Refused;
  refused_.emplace_back(now + refused_cooldown_, port);
}

// Strictly older than `now`: a port refused during this acquire() call (which passes one
// `now` to every try) is not offered again within it, even with a zero cooldown.
void RelayPorts::readmit_refused(Clock::time_point now) {
  while (!refused_.empty() && refused_.front().first < now) {
    make_free(refused_.front().second);
    refused_.pop_front();
  }
}

bool RelayPorts::is_free(uint32_t port) const {
  if (port < min_port_ || index(port) >= slots_.size()) return false;
  const Slot s = slots_[index(port)];
  return s != Slot::Leased && s != Slot::Refused;
}

void RelayPorts::make_free(uint16_t port) {
  if (port % 2 == 1) {
    push(port, Slot::Odd);
    if (is_free(port - 1u)) move_to(static_cast<uint16_t>(port - 1), Slot::EvenPaired);
  } else {
    push(port, is_free(port + 1u) ? Slot::EvenPaired : Slot::EvenSingle);
  }
}

void RelayPorts::make_leased(uint16_t port) {
  unlink(port);
  slots_[index(port)] = Slot::Leased;
  if (port % 2 == 1 && is_free(port - 1u)) {
    move_to(static_cast<uint16_t>(port - 1), Slot::EvenSingle);
  }
}

void RelayPorts::move_to(uint16_t port, Slot list) {
  if (slots_[index(port)] == list) return;
  unlink(port);
  push(port, list);
}

void RelayPorts::push(uint16_t port, Slot list) {
  auto& ports = lists_[static_cast<size_t>(list)];
  positions_[index(port)] = static_cast<uint32_t>(ports.size());
  ports.push_back(port);
  slots_[index(port)] = list;
}

// Swap-with-last: O(1), and order in a list means nothing since picks are random.
void RelayPorts::unlink(uint16_t port) {
  auto& ports = lists_[static_cast<size_t>(slots_[index(port)])];
  const uint32_t at = positions_[index(port)];
  const uint16_t last = ports.back();
  ports[at] = last;
  positions_[index(last)] = at;
  ports.pop_back();
}

}  // namespace tern
