#include "tests/support/stun_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "protocol/stream_splitter.h"

namespace tern::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// True when `events` is ready before the deadline. POLLHUP/POLLERR count as ready: the
// read or write that follows reports what happened.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, remaining_ms(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::string openssl_errors() {
  std::string s;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += std::string(s.empty() ? "" : "; ") + buf;
  }
  return s.empty() ? "no OpenSSL error queued" : s;
}

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

}  // namespace

struct StunClient::Tls {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
  std::unique_ptr<SSL, SslFree> ssl;
};

const char* to_string(RecvError e) {
  switch (e) {
    case RecvError::Timeout:
      return "timed out";
    case RecvError::Closed:
      return "connection closed";
    case RecvError::Failed:
      return "socket error";
    case RecvError::BadFrame:
      return "bytes that cannot be framed";
  }
  return "?";
}

StunClient::StunClient(Transport t, FileDescriptor fd) : transport_(t), fd_(std::move(fd)) {}
StunClient::StunClient(StunClient&&) noexcept = default;
StunClient& StunClient::operator=(StunClient&&) noexcept = default;
StunClient::~StunClient() = default;

Result<StunClient, std::string> StunClient::connect(Transport transport,
                                                    const TransportAddress& server,
                                                    Millis timeout) {
  return connect_from(transport, TransportAddress{.family = server.family}, server, timeout);
}

Result<StunClient, std::string> StunClient::connect_from(Transport transport,
                                                         const TransportAddress& local,
                                                         const TransportAddress& server,
                                                         Millis timeout,
                                                         const TlsClientOptions& options) {
  return open(transport, local, server, timeout, options);
}

Result<StunClient, std::string> StunClient::connect_tls_verified(const TransportAddress& server,
                                                                 const std::filesystem::path& ca,
                                                                 Millis timeout) {
  TlsClientOptions options;
  options.ca = ca;
  return open(Transport::Tls, TransportAddress{.family = server.family}, server, timeout, options);
}

std::string StunClient::peer_certificate_subject() const {
  if (!tls_) return {};
  X509* cert = SSL_get0_peer_certificate(tls_->ssl.get());
  if (cert == nullptr) return {};
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  return subject;
}

Result<StunClient, std::string> StunClient::open(Transport transport, const TransportAddress& local,
                                                 const TransportAddress& server, Millis timeout,
                                                 const TlsClientOptions& options) {
  const std::filesystem::path& ca = options.ca;
  auto deadline = Clock::now() + timeout;
  const bool datagrams = transport == Transport::Udp || transport == Transport::Dtls;
  int type = datagrams ? SOCK_DGRAM : SOCK_STREAM;
  FileDescriptor fd(socket(socket_domain(server), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(errno_text("socket"));
  if (type == SOCK_STREAM) {
    // Each send() is its own segment, so "split byte by byte" really arrives split.
    int on = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  } else {
    // Relayed bursts wait here while the test thread waits for a core.
    const int buffer = 1 << 20;
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }
  if (!is_unspecified(local)) {
    SockAddr from = to_sockaddr(local);
    if (::bind(fd.get(), from.get(), from.length) != 0) {
      return unexpected("bind " + local.to_string() + ": " + std::strerror(errno));
    }
  }
  SockAddr sa = to_sockaddr(server);
  if (::connect(fd.get(), sa.get(), sa.length) != 0) {
    if (errno != EINPROGRESS) return unexpected(errno_text("connect"));
    if (!wait_for(fd.get(), POLLOUT, deadline)) {
      return unexpected("connect to " + server.to_string() + ": timed out");
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return unexpected("connect to " + server.to_string() + ": " + std::strerror(err));
    }
  }
  StunClient client(transport, std::move(fd));
  if (transport == Transport::Dtls) return client.start_dtls(server, deadline);
  if (transport != Transport::Tls) return client;

  auto tls = std::make_unique<Tls>();
  tls->ctx.reset(SSL_CTX_new(TLS_client_method()));
  if (!tls->ctx) return unexpected("SSL_CTX_new: " + openssl_errors());
  if (ca.empty()) {
    SSL_CTX_set_verify(tls->ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    // As a browser would: the chain up to `ca`, and the name the client asked for.
    SSL_CTX_set_verify(tls->ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(tls->ctx.get(), ca.c_str(), nullptr) != 1) {
      return unexpected("CA " + ca.string() + ": " + openssl_errors());
    }
  }
  // A server that closes without close_notify is "closed", not a TLS failure.
  SSL_CTX_set_options(tls->ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(tls->ctx.get(), options.max_version);
  if (!options.cert.empty() &&
      (SSL_CTX_use_certificate_file(tls->ctx.get(), options.cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
       SSL_CTX_use_PrivateKey_file(tls->ctx.get(), options.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    return unexpected("client certificate " + options.cert + ": " + openssl_errors());
  }
  tls->ssl.reset(SSL_new(tls->ctx.get()));
  if (!tls->ssl || SSL_set_fd(tls->ssl.get(), client.fd_.get()) != 1) {
    return unexpected("SSL_new: " + openssl_errors());
  }
  SSL_set_tlsext_host_name(tls->ssl.get(), "localhost");
  if (!ca.empty()) SSL_set1_host(tls->ssl.get(), "localhost");
  for (;;) {
    int r = SSL_connect(tls->ssl.get());
    if (r == 1) break;
    int err = SSL_get_error(tls->ssl.get(), r);
    short events = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) return unexpected("TLS handshake: " + openssl_errors());
    if (!wait_for(client.fd_.get(), events, deadline)) {
      return unexpected("TLS handshake with " + server.to_string() + ": timed out");
    }
  }
  client.tls_ = std::move(tls);
  return client;
}

Result<StunClient, std::string> StunClient::start_dtls(const TransportAddress& server,
                                                       Clock::time_point deadline) {
  auto tls = std::make_unique<Tls>();
  tls->ctx.reset(SSL_CTX_new(DTLS_client_method()));
  if (!tls->ctx) return unexpected("SSL_CTX_new: " + openssl_errors());
  SSL_CTX_set_verify(tls->ctx.get(), SSL_VERIFY_NONE, nullptr);
  tls->ssl.reset(SSL_new(tls->ctx.get()));
  BIO* bio = BIO_new_dgram(fd_.get(), BIO_NOCLOSE);
  if (!tls->ssl || bio == nullptr) {
    BIO_free(bio);
    return unexpected("SSL_new: " + openssl_errors());
  }
  SockAddr sa = to_sockaddr(server);
  BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &sa.storage);
  SSL_set_bio(tls->ssl.get(), bio, bio);
  for (;;) {
    int r = SSL_connect(tls->ssl.get());
    if (r == 1) break;
    int err = SSL_get_error(tls->ssl.get(), r);
    if (err != SSL_ERROR_WANT_READ) return unexpected("DTLS handshake: " + openssl_errors());
    if (Clock::now() >= deadline) {
      return unexpected("DTLS handshake with " + server.to_string() + ": timed out");
    }
    // A lost flight is resent on OpenSSL's timer, which only runs when asked.
    if (!wait_for(fd_.get(), POLLIN, std::min(deadline, Clock::now() + Millis(100)))) {
      DTLSv1_handle_timeout(tls->ssl.get());
    }
  }
  tls_ = std::move(tls);
  return std::move(*this);
}

bool StunClient::send(std::span<const uint8_t> bytes) {
  auto deadline = Clock::now() + Millis(5000);
  if (transport_ == Transport::Tls || transport_ == Transport::Dtls) {
    return send_tls(bytes, deadline);
  }
  if (transport_ == Transport::Tcp) return send_stream(bytes, deadline);
  return ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

bool StunClient::send_stream(std::span<const uint8_t> bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd_.get(), POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool StunClient::send_tls(std::span<const uint8_t> bytes, Clock::time_point deadline) {
  if (bytes.empty()) return true;
  for (;;) {
    // A retried SSL_write must repeat the same arguments, which this loop does.
    int r = SSL_write(tls_->ssl.get(), bytes.data(), static_cast<int>(bytes.size()));
    if (r > 0) return true;
    int err = SSL_get_error(tls_->ssl.get(), r);
    short events = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0 || !wait_for(fd_.get(), events, deadline)) {
      ERR_clear_error();
      return false;
    }
  }
}

Result<Bytes, RecvError> StunClient::receive(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  if (transport_ == Transport::Udp) return receive_datagram(deadline);
  if (transport_ == Transport::Dtls) return receive_record(deadline);
  return receive_frame(deadline);
}

Result<Bytes, RecvError> StunClient::exchange(std::span<const uint8_t> request, Millis timeout) {
  if (!send(request)) return unexpected(RecvError::Failed);
  return receive(timeout);
}

Result<Bytes, RecvError> StunClient::receive_datagram(Clock::time_point deadline) {
  Bytes buf(65536);
  for (;;) {
    ssize_t n = recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n >= 0) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    if (errno != EAGAIN && errno != EINTR) return unexpected(RecvError::Failed);
    if (!wait_for(fd_.get(), POLLIN, deadline)) return unexpected(RecvError::Timeout);
  }
}

Result<Bytes, RecvError> StunClient::receive_record(Clock::time_point deadline) {
  // One record is one message, as one datagram is over UDP.
  auto err = read_more_tls(deadline);
  if (err) return unexpected(*err);
  return std::exchange(buffered_, {});
}

Result<Bytes, RecvError> StunClient::receive_frame(Clock::time_point deadline) {
  for (;;) {
    auto frame = stun::next_frame(buffered_);
    if (frame) {
      Bytes out(buffered_.begin(), buffered_.begin() + static_cast<ptrdiff_t>(frame->size));
      buffered_.erase(buffered_.begin(), buffered_.begin() + static_cast<ptrdiff_t>(frame->size));
      return out;
    }
    if (frame.error() == stun::SplitStatus::Invalid) return unexpected(RecvError::BadFrame);
    auto err = transport_ == Transport::Tls ? read_more_tls(deadline) : read_more(deadline);
    if (err) return unexpected(*err);
  }
}

Result<Bytes, RecvError> StunClient::receive_bytes(Millis timeout) {
  if (buffered_.empty()) {
    const auto deadline = Clock::now() + timeout;
    auto err = transport_ == Transport::Tls ? read_more_tls(deadline) : read_more(deadline);
    if (err) return unexpected(*err);
  }
  return std::exchange(buffered_, {});
}

std::optional<RecvError> StunClient::read_more(Clock::time_point deadline) {
  uint8_t buf[16384];
  for (;;) {
    ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
    if (n > 0) {
      buffered_.insert(buffered_.end(), buf, buf + n);
      return std::nullopt;
    }
    if (n == 0 || errno == ECONNRESET) return RecvError::Closed;
    if (errno != EAGAIN && errno != EINTR) return RecvError::Failed;
    if (!wait_for(fd_.get(), POLLIN, deadline)) return RecvError::Timeout;
  }
}

std::optional<RecvError> StunClient::read_more_tls(Clock::time_point deadline) {
  uint8_t buf[16384];
  for (;;) {
    errno = 0;  // SSL_ERROR_SYSCALL with errno 0 is a bare EOF
    int r = SSL_read(tls_->ssl.get(), buf, sizeof buf);
    if (r > 0) {
      tls_reads_.push_back(static_cast<size_t>(r));
      buffered_.insert(buffered_.end(), buf, buf + r);
      return std::nullopt;
    }
    int err = SSL_get_error(tls_->ssl.get(), r);
    if (err == SSL_ERROR_ZERO_RETURN) return RecvError::Closed;
    if (err == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET)) {
      ERR_clear_error();
      return RecvError::Closed;
    }
    short events = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      ERR_clear_error();
      return RecvError::Failed;
    }
    if (!wait_for(fd_.get(), events, deadline)) return RecvError::Timeout;
  }
}

void StunClient::send_close_notify() {
  if (tls_) SSL_shutdown(tls_->ssl.get());
}

bool StunClient::closed_within(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    buffered_.clear();
    const bool tls = transport_ == Transport::Tls || transport_ == Transport::Dtls;
    auto err = tls ? read_more_tls(deadline) : read_more(deadline);
    if (err) return *err == RecvError::Closed;
  }
}

TransportAddress StunClient::local_address() const {
  auto a = tern::local_address(fd_.get());
  return a ? *a : TransportAddress{};
}

}  // namespace tern::test
