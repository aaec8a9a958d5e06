// DTLS 1.2 on the TLS port's UDP socket against a real ternd: the stateless cookie
// exchange under a flood of spoofed ClientHellos, a handshake abandoned half-way, the bound
// on half-open handshakes, an association that ends with its allocation (expiry, admin
// kill) or without one, and no-dtls. Relaying over DTLS is one of the transports of
// turn_channel_test.cpp and turn_data_test.cpp.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "base/json_value.h"
#include "base/socket_address.h"
#include "tests/support/admin_socket.h"
#include "tests/support/http_probe.h"
#include "tests/support/sanitizers.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// A DTLS client driven by hand through memory BIOs, so a test decides what reaches the
// server and when: a ClientHello to replay from other sources, or a handshake it stops.
class ManualDtlsClient {
 public:
  ManualDtlsClient() : ctx_(SSL_CTX_new(DTLS_client_method())) {
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_QUERY_MTU);
    ssl_.reset(SSL_new(ctx_.get()));
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_.get(), in_, out_);
    SSL_set_mtu(ssl_.get(), 1200);
    SSL_set_connect_state(ssl_.get());
  }
  // Runs the handshake on what arrived; returns the datagram it wants sent, if any.
  Bytes step(std::span<const uint8_t> received = {}) {
    if (!received.empty()) BIO_write(in_, received.data(), static_cast<int>(received.size()));
    SSL_do_handshake(ssl_.get());
    Bytes out(static_cast<size_t>(BIO_ctrl_pending(out_)));
    if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
    return out;
  }

 private:
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* in_ = nullptr;  // owned by ssl_
  BIO* out_ = nullptr;
};

FileDescriptor udp_socket(const TransportAddress& local) {
  FileDescriptor fd(::socket(socket_domain(local), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  SockAddr from = to_sockaddr(local);
  if (fd.valid() && ::bind(fd.get(), from.get(), from.length) != 0) return FileDescriptor();
  return fd;
}

bool send_to(int fd, const TransportAddress& to, std::span<const uint8_t> data) {
  SockAddr sa = to_sockaddr(to);
  return ::sendto(fd, data.data(), data.size(), 0, sa.get(), sa.length) ==
         static_cast<ssize_t>(data.size());
}

std::optional<Bytes> receive(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
  Bytes buf(65536);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n <= 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

uint64_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

constexpr uint8_t kHandshakeRecord = 22;

class DtlsTest : public TurnTest {};

// RFC 8656 §2.1 and the class of coturn's 2026 DTLS DoS: a ClientHello from an address
// that never answers (spoofed) must cost a HelloVerifyRequest and no state.
TEST_F(DtlsTest, SpoofedClientHelloFlood_AnsweredStatelessly_MemoryFlat) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true, .env = asan_without_quarantine()}));
  const TransportAddress server = ternd().address(Transport::Dtls, IpVersion::V4);
  ManualDtlsClient client;
  const Bytes hello = client.step();
  ASSERT_FALSE(hello.empty());
  ASSERT_EQ(hello[0], kHandshakeRecord);

  // 64 sources: 16 loopback addresses, 4 ports each.
  std::vector<FileDescriptor> sources;
  for (uint8_t host = 2; host < 18; ++host) {
    for (int i = 0; i < 4; ++i) {
      auto fd = udp_socket(TransportAddress::v4({127, 0, 0, host}, 0));
      ASSERT_TRUE(fd.valid()) << "bind 127.0.0." << int(host);
      sources.push_back(std::move(fd));
    }
  }
  // Warm-up: the listening session and OpenSSL's lazily loaded tables.
  for (auto& fd : sources) send_to(fd.get(), server, hello);
  ASSERT_TRUE(receive(sources.back().get(), 5000ms)) << "no HelloVerifyRequest\n"
                                                     << ternd().diagnostics();
  std::this_thread::sleep_for(200ms);
  const uint64_t before = resident_kib(ternd().pid());

  constexpr int kRounds = 60;  // 64 sources × 60 = 3840 ClientHellos
  const auto deadline = Clock::now() + 10s;
  for (int round = 0; round < kRounds && Clock::now() < deadline; ++round) {
    for (auto& fd : sources) send_to(fd.get(), server, hello);
    // Paced a little, so the server's socket buffer is not what limits the test.
    if (round % 10 == 9) std::this_thread::sleep_for(10ms);
  }
  // The last source's answers come once the server got through the flood.
  for (int i = 0; i < kRounds && receive(sources.back().get(), 2000ms); ++i) {
  }
  const uint64_t after = resident_kib(ternd().pid());
  // Per-source state (an SSL session is tens of KiB) would take tens of MiB here.
  EXPECT_LT(after, before + 4096) << "RSS " << before << " KiB before, " << after << " after";

  auto counters = stop_and_count();
  EXPECT_GE(counters["dtls_hello_verify_sent"], 1000u);
  EXPECT_EQ(counters["dtls_associations"], 0u) << "state made before a cookie round trip";
}

TEST_F(DtlsTest, HandshakeStoppedHalfWay_DroppedAfterTheTimeout) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true, .extra = {"--dtls-handshake-timeout", "1"}}));
  const TransportAddress server = ternd().address(Transport::Dtls, IpVersion::V4);
  auto fd = udp_socket(TransportAddress::v4({127, 0, 0, 1}, 0));
  ASSERT_TRUE(fd.valid());
  ManualDtlsClient client;
  ASSERT_TRUE(send_to(fd.get(), server, client.step()));
  auto verify = receive(fd.get(), 5000ms);
  ASSERT_TRUE(verify) << "no HelloVerifyRequest\n" << ternd().diagnostics();
  // The ClientHello with the cookie: the server now keeps an association.
  ASSERT_TRUE(send_to(fd.get(), server, client.step(*verify)));
  ASSERT_TRUE(receive(fd.get(), 5000ms)) << "no ServerHello\n" << ternd().diagnostics();
  // ...and the client says nothing more. The server gives up after its timeout.
  const auto deadline = Clock::now() + 15s;
  bool dropped = false;
  while (!dropped && Clock::now() < deadline) {
    dropped = ternd().log().find("DTLS: handshake timeout") != std::string::npos;
    if (!dropped) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(dropped) << ternd().diagnostics();
  auto counters = stop_and_count();
  EXPECT_EQ(counters["dtls_associations"], 1u);
  EXPECT_EQ(counters["dtls_handshakes"], 0u);
  EXPECT_EQ(counters["dtls_handshake_failures"], 1u);
}

// Past --dtls-max-half-open handshakes in progress on one worker's socket, a client whose
// cookie came back is ignored (it retries on its own timer) rather than given a session:
// the memory of half-open handshakes is bounded however many real sources try.
TEST_F(DtlsTest, HalfOpenHandshakes_BoundedPerWorker) {
  constexpr size_t kMaxHalfOpen = 8;
  ASSERT_NO_FATAL_FAILURE(start(
      {.tls = true,
       .extra = {"--relay-threads", "1", "--dtls-max-half-open", std::to_string(kMaxHalfOpen)}}));
  const TransportAddress server = ternd().address(Transport::Dtls, IpVersion::V4);
  constexpr size_t kClients = 20;  // 10 loopback addresses, under the per-IP stream cap
  std::vector<FileDescriptor> fds;
  std::vector<std::unique_ptr<ManualDtlsClient>> clients;
  for (size_t i = 0; i < kClients; ++i) {
    const auto host = static_cast<uint8_t>(2 + i % 10);
    fds.push_back(udp_socket(TransportAddress::v4({127, 0, 1, host}, 0)));
    ASSERT_TRUE(fds.back().valid());
    clients.push_back(std::make_unique<ManualDtlsClient>());
    ASSERT_TRUE(send_to(fds.back().get(), server, clients.back()->step()));
  }
  for (size_t i = 0; i < kClients; ++i) {
    auto verify = receive(fds[i].get(), 5000ms);
    ASSERT_TRUE(verify) << "no HelloVerifyRequest for client " << i;
    ASSERT_TRUE(send_to(fds[i].get(), server, clients[i]->step(*verify)));
  }
  // Each admitted client hears its ServerHello; the rest hear nothing.
  std::vector<bool> answered(kClients, false);
  size_t count = 0;
  const auto deadline = Clock::now() + 20s;
  while (count < kMaxHalfOpen && Clock::now() < deadline) {
    for (size_t i = 0; i < kClients; ++i) {
      if (!answered[i] && receive(fds[i].get(), 0ms)) {
        answered[i] = true;
        ++count;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(count, kMaxHalfOpen);
  auto counters = stop_and_count();
  EXPECT_EQ(counters["dtls_associations"], kMaxHalfOpen);
  EXPECT_EQ(counters["dtls_refused_half_open"], kClients - kMaxHalfOpen);
}

bool log_says_within(TerndProcess& ternd, const std::string& text, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (ternd.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST_F(DtlsTest, ClientCloseNotify_EndsItsAllocation) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true}));
  auto c = allocated(Transport::Dtls, IpVersion::V4);
  ASSERT_TRUE(c);
  c->stun().send_close_notify();
  EXPECT_TRUE(log_says_within(ternd(), "transport=DTLS reason=stream-closed", 10s))
      << ternd().diagnostics();
  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_deleted"], 1u);
}

// An association lives as long as its allocation and no longer, and one without an
// allocation is not kept for long either: each way it ends, the client hears close_notify,
// the server's count of associations it holds (dtls_associations minus
// dtls_associations_closed) is back to zero, and what the client sends afterwards under the
// old session is a stranger's datagram: dropped, not answered.
class DtlsLifeTest : public TurnTest {
 protected:
  // ternd with TLS (so DTLS) and the admin API on a unix socket (no port to race for).
  void start_with(std::vector<std::string> extra = {}) {
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .tls = true, .extra = admin_.args(extra)}));
  }

  std::optional<HttpReply> admin(const std::string& method, const std::string& target) {
    return admin_.request(method, target);
  }

  // The server's counters (GET /v1/stats) once `done` holds, polled for at most 10 s (a
  // worker may still be in the pass that counts); the last read either way.
  using Counters = std::map<std::string, uint64_t>;
  Counters counters_when(const std::function<bool(Counters&)>& done) {
    Counters counters;
    const auto deadline = Clock::now() + 10s;
    do {
      counters.clear();
      auto reply = admin("GET", "/v1/stats");
      auto json = reply && reply->status == 200 ? JsonValue::parse(reply->body) : std::nullopt;
      const JsonValue* members = json ? json->member("counters") : nullptr;
      if (members && members->object()) {
        for (const auto& member : *members->object()) {
          counters[member.first] = members->unsigned_integer(member.first);
        }
        if (done(counters)) break;
      }
      std::this_thread::sleep_for(50ms);
    } while (Clock::now() < deadline);
    return counters;
  }

  // What every ending shares, once the server said close_notify to `c`: the association is
  // no longer held, and a Binding request sent under the old session is dropped unanswered
  // as a stranger's datagram (neither a ClientHello nor STUN), without a new association.
  void expect_association_gone(StunClient& c) {
    Counters held = counters_when(
        [](Counters& n) { return n["dtls_associations_closed"] == n["dtls_associations"]; });
    EXPECT_EQ(held["dtls_associations"], 1u);
    EXPECT_EQ(held["dtls_associations_closed"], 1u) << ternd().diagnostics();
    // Received close_notify does not stop a DTLS client's writes: this record leaves.
    ASSERT_TRUE(c.send(binding_request()));
    Counters after = counters_when([](Counters& n) { return n["dropped_not_stun"] >= 1; });
    EXPECT_EQ(after["dropped_not_stun"], 1u) << "the old session's record was not dropped";
    EXPECT_EQ(after["dtls_associations"], 1u);
    EXPECT_EQ(after["dtls_associations_closed"], 1u);
  }

  AdminSocket admin_{"dtls-life-t0ken"};
};

TEST_F(DtlsLifeTest, AllocationExpires_EndsTheAssociation) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-allocate-lifetime", "2"}));
  auto c = allocated(Transport::Dtls, IpVersion::V4);
  ASSERT_TRUE(c);
  // Two seconds of lifetime, then up to one sweep: well within the bound on a loaded
  // machine, and far below the idle limit of an association with an allocation (its
  // lifetime plus 60 s), so only the expiry can end it.
  ASSERT_TRUE(c->stun().closed_within(20s)) << ternd().diagnostics();
  ASSERT_NO_FATAL_FAILURE(expect_association_gone(c->stun()));
  EXPECT_NE(ternd().log().find("transport=DTLS reason=expired"), std::string::npos)
      << ternd().log();
  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_expired"], 1u);
  EXPECT_EQ(counters["dtls_handshakes"], 1u);
  EXPECT_EQ(counters["dtls_handshake_failures"], 0u);
}

TEST_F(DtlsLifeTest, AllocationKilledByTheAdminApi_EndsTheAssociation) {
  ASSERT_NO_FATAL_FAILURE(start_with());
  auto c = allocated(Transport::Dtls, IpVersion::V4);
  ASSERT_TRUE(c);
  auto killed = admin("POST", "/v1/sessions/kill?user=alice");
  ASSERT_TRUE(killed && killed->status == 200) << (killed ? killed->body : "no answer");
  ASSERT_TRUE(c->stun().closed_within(10s)) << ternd().diagnostics();
  ASSERT_NO_FATAL_FAILURE(expect_association_gone(c->stun()));
  EXPECT_NE(ternd().log().find("transport=DTLS reason=killed"), std::string::npos) << ternd().log();
}

// An association that never allocates holds a stream slot and an OpenSSL session: silent
// or not, it ends at max-allocate-timeout.
TEST_F(DtlsLifeTest, NoAllocation_EndsAtTheAllocateTimeout) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-allocate-timeout", "2"}));
  auto c = StunClient::connect(Transport::Dtls, server(Transport::Dtls, IpVersion::V4));
  ASSERT_TRUE(c) << c.error();
  const Bytes request = binding_request();
  EXPECT_TRUE(IsBindingSuccessFor(request, c->exchange(request)));
  ASSERT_TRUE(c->closed_within(20s)) << ternd().diagnostics();
  ASSERT_NO_FATAL_FAILURE(expect_association_gone(*c));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["stream_closed_allocate_timeout"], 1u);
}

// Refresh 0 deletes the allocation, not the association: the client may allocate again on
// it (as over TCP). Left without one, it is held as an association that never allocated.
TEST_F(DtlsLifeTest, RefreshZero_KeepsTheAssociationForANewAllocation_ThenEndsWithoutOne) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-allocate-timeout", "3"}));
  auto c = allocated(Transport::Dtls, IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  ASSERT_TRUE(IsSuccess(c->allocate()));
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  // Held as allocated, its idle limit would be the longest lifetime plus 60 s: only the
  // allocate deadline, counted from the Refresh, ends it this soon.
  ASSERT_TRUE(c->stun().closed_within(20s)) << ternd().diagnostics();
  ASSERT_NO_FATAL_FAILURE(expect_association_gone(c->stun()));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_created"], 2u);
  EXPECT_EQ(counters["stream_closed_allocate_timeout"], 1u);
}

// RFC 7983: the first byte tells DTLS from STUN, so the TLS port's UDP socket still
// answers plain STUN beside DTLS, as coturn's does.
TEST_F(DtlsTest, TlsPortUdp_AnswersPlainStunBesideDtls) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true}));
  auto udp = StunClient::connect(Transport::Udp, ternd().address(Transport::Dtls, IpVersion::V4));
  ASSERT_TRUE(udp) << udp.error();
  const Bytes request = binding_request();
  auto response = udp->exchange(request);
  EXPECT_TRUE(IsBindingSuccessFor(request, response));
  auto dtls = StunClient::connect(Transport::Dtls, ternd().address(Transport::Dtls, IpVersion::V4));
  ASSERT_TRUE(dtls) << dtls.error();
  auto over_dtls = dtls->exchange(request);
  EXPECT_TRUE(IsBindingSuccessFor(request, over_dtls));
}

TEST_F(DtlsTest, NoDtls_NoAnswerOnTheTlsPortsUdp) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true, .extra = {"--no-dtls"}}));
  auto client =
      StunClient::connect(Transport::Dtls, ternd().address(Transport::Dtls, IpVersion::V4), 1500ms);
  EXPECT_FALSE(client) << "a DTLS handshake succeeded with no-dtls";
  EXPECT_EQ(ternd().log().find("listening on DTLS"), std::string::npos) << ternd().log();
  // Taken as meant, not as one of the coturn options accepted and ignored.
  EXPECT_EQ(ternd().log().find("ignored: no-dtls"), std::string::npos) << ternd().log();
  // TLS over TCP on the same port is untouched.
  auto tls = StunClient::connect(Transport::Tls, ternd().address(Transport::Tls, IpVersion::V4));
  EXPECT_TRUE(tls) << tls.error();
}

}  // namespace
}  // namespace tern::test
