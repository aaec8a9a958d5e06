#include "bench/conn.h"

#include <openssl/err.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tern::bench {
namespace {

constexpr size_t kStreamBuffer = 16 * 1024;

// A blocking-style TLS handshake on a non-blocking socket: set-up time is not measured,
// and polling keeps one code path for both socket modes.
bool tls_handshake(SSL* ssl, int fd) {
  for (int i = 0; i < 1000; ++i) {
    const int r = SSL_connect(ssl);
    if (r == 1) return true;
    const int e = SSL_get_error(ssl, r);
    pollfd p{.fd = fd, .events = 0, .revents = 0};
    if (e == SSL_ERROR_WANT_READ) {
      p.events = POLLIN;
    } else if (e == SSL_ERROR_WANT_WRITE) {
      p.events = POLLOUT;
    } else {
      return false;
    }
    if (poll(&p, 1, 5000) <= 0) return false;
  }
  return false;
}

}  // namespace

const char* to_string(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "udp";
    case Transport::Tcp:
      return "tcp";
    case Transport::Tls:
      return "tls";
  }
  return "?";
}

SslCtxPtr make_client_tls_context() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx) SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  return ctx;
}

UdpIo::UdpIo() : out_(kBatch), in_(kBatch) {
  for (size_t i = 0; i < kBatch; ++i) {
    in_iov_[i] = {in_[i].data(), kSlot};
    in_headers_[i].msg_hdr.msg_iov = &in_iov_[i];
    in_headers_[i].msg_hdr.msg_iovlen = 1;
    out_headers_[i].msg_hdr.msg_iov = &out_iov_[i];
    out_headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

bool UdpIo::queue(int fd, std::span<const uint8_t> message) {
  if (message.size() > kSlot) return false;
  if (queued_ == kBatch || (queued_ > 0 && fd != queued_fd_)) flush();
  queued_fd_ = fd;
  std::memcpy(out_[queued_].data(), message.data(), message.size());
  out_iov_[queued_] = {out_[queued_].data(), message.size()};
  queued_++;
  return true;
}

size_t UdpIo::flush() {
  size_t refused = 0;
  size_t sent = 0;
  while (sent < queued_) {
    send_calls_++;
    const int n = sendmmsg(queued_fd_, out_headers_.data() + sent,
                           static_cast<unsigned>(queued_ - sent), MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // A full socket buffer (or ECONNREFUSED from an earlier ICMP): these are lost, and
    // loss is what the report counts, so do not spin on them.
    refused = queued_ - sent;
    break;
  }
  queued_ = 0;
  queued_fd_ = -1;
  return refused;
}

int UdpIo::receive(int fd) {
  receive_calls_++;
  const int n = recvmmsg(fd, in_headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  // ICMP port unreachable reported on a connected socket: the server is not (yet) there.
  if (errno == ECONNREFUSED) return 0;
  return -1;
}

Conn Conn::open(Transport t, const TransportAddress& server, SSL_CTX* tls, std::string& error,
                const TransportAddress* local) {
  Conn c;
  c.transport_ = t;
  c.fd_ = t == Transport::Udp ? open_udp_client(server, local) : open_tcp_client(server, local);
  if (!c.fd_.valid()) {
    error = "connect " + server.to_string() + ": " + std::strerror(errno);
    return Conn();
  }
  if (t == Transport::Udp) return c;
  c.rbuf_.resize(kStreamBuffer);
  if (t == Transport::Tls) {
    c.ssl_.reset(tls ? SSL_new(tls) : nullptr);
    if (!c.ssl_ || SSL_set_fd(c.ssl_.get(), c.fd_.get()) != 1 ||
        !tls_handshake(c.ssl_.get(), c.fd_.get())) {
      error = "TLS handshake with " + server.to_string() + " failed";
      ERR_clear_error();
      return Conn();
    }
  }
  return c;
}

void Conn::close() {
  // close_notify, so the server sees an orderly end rather than a broken session.
  if (ssl_) SSL_shutdown(ssl_.get());
  ssl_.reset();
  fd_.reset();
  rlen_ = 0;
  wbuf_.clear();
}

bool Conn::send(UdpIo& io, std::span<const uint8_t> message) {
  if (transport_ == Transport::Udp) return io.queue(fd_.get(), message);
  wbuf_.insert(wbuf_.end(), message.begin(), message.end());
  // Over streams ChannelData is padded to a multiple of 4 (RFC 8656 §12.5).
  if (!message.empty() && (message[0] & 0xC0) == 0x40) {
    wbuf_.resize(wbuf_.size() + (padded4(message.size()) - message.size()), 0);
  }
  return true;
}

bool Conn::flush(UdpIo& io) {
  if (transport_ == Transport::Udp) {
    io.flush();
    return true;
  }
  size_t done = 0;
  while (done < wbuf_.size()) {
    const size_t left = wbuf_.size() - done;
    if (ssl_) {
      const int n = SSL_write(ssl_.get(), wbuf_.data() + done, static_cast<int>(left));
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      const int e = SSL_get_error(ssl_.get(), n);
      if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) break;
      return false;
    }
    const ssize_t n = ::send(fd_.get(), wbuf_.data() + done, left, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  wbuf_.erase(wbuf_.begin(), wbuf_.begin() + static_cast<ptrdiff_t>(done));
  return true;
}

int Conn::read_stream() {
  if (rlen_ == rbuf_.size()) {
    if (rbuf_.size() >= stun::kDefaultMaxFrame + 16) return -1;  // no frame is this long
    rbuf_.resize(stun::kDefaultMaxFrame + 16);
  }
  const size_t room = rbuf_.size() - rlen_;
  if (ssl_) {
    const int n = SSL_read(ssl_.get(), rbuf_.data() + rlen_, static_cast<int>(room));
    if (n > 0) {
      rlen_ += static_cast<size_t>(n);
      return n;
    }
    const int e = SSL_get_error(ssl_.get(), n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return -2;
    return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), rbuf_.data() + rlen_, room, 0);
    if (n > 0) {
      rlen_ += static_cast<size_t>(n);
      return static_cast<int>(n);
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
  }
}

void Conn::consume(size_t n) {
  if (n == 0) return;
  std::memmove(rbuf_.data(), rbuf_.data() + n, rlen_ - n);
  rlen_ -= n;
}

}  // namespace tern::bench
