// UDP behind a PROXY protocol balancer (--udp-proxy-trusted): every datagram from a
// trusted balancer starts with a v2 DGRAM header naming the client; ternd answers, and
// relays, to the balancer's address without a header, and keys allocations by (client,
// balancer). The balancer is a small one written here, as no Debian package forwards UDP
// with PROXY headers.

#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "base/file_descriptor.h"
#include "base/proxy_protocol.h"
#include "base/socket_address.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

TransportAddress at(const char* ip, uint16_t port = 0) {
  return parse_ip(ip, port).value();
}

FileDescriptor bound_udp(const TransportAddress& address) {
  FileDescriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const SockAddr sa = to_sockaddr(address);
  if (fd.valid() && ::bind(fd.get(), sa.get(), sa.length) != 0) fd.reset();
  return fd;
}

TransportAddress local_of(int fd) {
  SockAddr sa;
  sa.length = sizeof sa.storage;
  ::getsockname(fd, sa.get(), &sa.length);
  return from_sockaddr(sa).value_or(TransportAddress{});
}

// Clients send to its frontend; each client gets a backend socket of its own on
// `backend_ip`, whose datagrams to ternd carry a v2 header naming the client, and whose
// answers from ternd go back to that client. Runs on a thread until destroyed.
class UdpBalancer {
 public:
  UdpBalancer(const TransportAddress& backend_ip, const TransportAddress& server)
      : frontend_(bound_udp(at("127.0.0.1"))), backend_ip_(backend_ip), server_(server) {
    thread_ = std::thread([this] { run(); });
  }
  ~UdpBalancer() {
    stop_ = true;
    thread_.join();
  }
  bool ok() const { return frontend_.valid(); }
  TransportAddress address() const { return local_of(frontend_.get()); }

 private:
  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{frontend_.get(), POLLIN, 0}};
      for (const auto& [client, backend] : backends_) fds.push_back({backend.get(), POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) from_client();
      for (auto& [client, backend] : backends_) to_client(client, backend.get());
    }
  }
  void from_client() {
    uint8_t buffer[2048];
    SockAddr from;
    from.length = sizeof from.storage;
    const ssize_t n =
        ::recvfrom(frontend_.get(), buffer + 52, sizeof buffer - 52, 0, from.get(), &from.length);
    auto client = from_sockaddr(from);
    if (n < 0 || !client) return;
    auto& backend = backends_[*client];
    if (!backend.valid()) backend = bound_udp(backend_ip_);
    std::array<uint8_t, 52> header;
    const size_t h = write_proxy_v2(header, *client, server_, true);
    std::memcpy(buffer + 52 - h, header.data(), h);
    const SockAddr to = to_sockaddr(server_);
    ::sendto(backend.get(), buffer + 52 - h, h + static_cast<size_t>(n), 0, to.get(), to.length);
  }
  void to_client(const TransportAddress& client, int backend) {
    uint8_t buffer[2048];
    const ssize_t n = ::recv(backend, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    const SockAddr to = to_sockaddr(client);
    ::sendto(frontend_.get(), buffer, static_cast<size_t>(n), 0, to.get(), to.length);
  }

  FileDescriptor frontend_;
  TransportAddress backend_ip_, server_;
  std::map<TransportAddress, FileDescriptor> backends_;  // only the thread touches it
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

// The balancer's sockets are on 127.0.0.4: ternd's own readiness probe (from 127.0.0.1,
// without a header) must not be taken for the balancer's.
class ProxyProtocolUdpTest : public TurnTest {
 protected:
  void start_trusting(const char* balancer) {
    TurnServerSetup setup;
    setup.extra = {"--udp-proxy-trusted", balancer};
    ASSERT_NO_FATAL_FAILURE(start(setup));
  }
};

TEST_F(ProxyProtocolUdpTest, BindingThroughTheBalancer_MapsTheClient) {
  ASSERT_NO_FATAL_FAILURE(start_trusting("127.0.0.4"));
  UdpBalancer balancer(at("127.0.0.4"), server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(balancer.ok());
  auto c = StunClient::connect_from(Transport::Udp, at("127.0.0.2"), balancer.address());
  ASSERT_TRUE(c) << c.error();
  const Bytes request = binding_request();
  auto response = c->exchange(request, 5000ms);
  ASSERT_TRUE(IsBindingSuccessFor(request, response));
  EXPECT_EQ(mapped_in(*response), c->local_address());
}

TEST_F(ProxyProtocolUdpTest, TwoClientsBehindTheBalancer_AllocateAndRelayEachTheirOwn) {
  ASSERT_NO_FATAL_FAILURE(start_trusting("127.0.0.4/32"));
  UdpBalancer balancer(at("127.0.0.4"), server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(balancer.ok());
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  std::vector<TurnClient> clients;
  for (const char* ip : {"127.0.0.2", "127.0.0.3"}) {
    auto c = TurnClient::connect_from(Transport::Udp, at(ip), balancer.address());
    ASSERT_TRUE(c) << c.error();
    auto allocated = c->allocate();
    ASSERT_TRUE(IsSuccess(allocated));
    EXPECT_EQ(allocated->mapped(), c->local_address());
    ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
    clients.push_back(std::move(*c));
  }
  EXPECT_NE(clients[0].relayed(Family::V4), clients[1].relayed(Family::V4));
  for (auto& c : clients) {
    const std::string text = "from " + c.local_address().to_string();
    ASSERT_TRUE(c.send_indication(p->address(), payload(text)));
    auto at_peer = p->echo(5000ms);
    ASSERT_TRUE(at_peer) << to_string(at_peer.error());
    EXPECT_EQ(at_peer->from, c.relayed(Family::V4));
    auto back = c.receive_data(5000ms);
    ASSERT_TRUE(back) << to_string(back.error());
    EXPECT_EQ(text_of(back->data), text);
  }
}

TEST_F(ProxyProtocolUdpTest,
       HeadersFromUntrustedSources_AndBareDatagramsFromTheBalancer_AreDropped) {
  ASSERT_NO_FATAL_FAILURE(start_trusting("127.0.0.4"));
  const TransportAddress server_address = server(Transport::Udp, IpVersion::V4);
  std::array<uint8_t, 52> header;
  const size_t h = write_proxy_v2(header, at("127.0.0.5", 4444), server_address, true);
  Bytes with_header(header.begin(), header.begin() + static_cast<long>(h));
  const Bytes request = binding_request();
  with_header.insert(with_header.end(), request.begin(), request.end());

  // From 127.0.0.3, not trusted: its header claims another client.
  auto untrusted = StunClient::connect_from(Transport::Udp, at("127.0.0.3"), server_address);
  ASSERT_TRUE(untrusted) << untrusted.error();
  auto answer = untrusted->exchange(with_header, 500ms);
  EXPECT_FALSE(answer) << "answered an untrusted header";
  // Plain STUN from there is still served.
  EXPECT_TRUE(IsBindingSuccessFor(request, untrusted->exchange(request, 5000ms)));

  // From the balancer, a datagram without a header.
  auto bare = StunClient::connect_from(Transport::Udp, at("127.0.0.4"), server_address);
  ASSERT_TRUE(bare) << bare.error();
  answer = bare->exchange(request, 500ms);
  EXPECT_FALSE(answer) << "answered the balancer without a header";
  // With one, answered to the balancer, for the client in the header.
  auto proxied = bare->exchange(with_header, 5000ms);
  ASSERT_TRUE(IsBindingSuccessFor(request, proxied));
  EXPECT_EQ(mapped_in(*proxied), at("127.0.0.5", 4444));

  auto counters = stop_and_count();
  EXPECT_GE(counters["proxy_untrusted"], 1u);
  EXPECT_GE(counters["proxy_invalid"], 1u);
}

}  // namespace
}  // namespace tern::test
