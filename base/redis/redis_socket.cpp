#include "base/redis/redis_socket.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <fcntl.h>
#include <array>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/redis/redis_tls.h"

namespace tern {
namespace {

// A non-blocking connect bounded by `timeout`, then a blocking socket whose reads and
// writes time out after `timeout`.
Result<FileDescriptor, std::string> connect_one(const addrinfo* a, std::chrono::seconds timeout) {
  FileDescriptor fd(::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(std::string(std::strerror(errno)));
  if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return unexpected(std::string(std::strerror(errno)));
    pollfd p{fd.get(), POLLOUT, 0};
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
    if (n == 0) return unexpected(std::string("connection timed out"));
    if (n < 0) return unexpected(std::string(std::strerror(errno)));
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return unexpected(std::string(std::strerror(error)));
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  const timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

Result<FileDescriptor, std::string> connect_tcp(const std::string& host, uint16_t port,
                                                std::chrono::seconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0) {
    return unexpected(std::string(gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(list, &freeaddrinfo);
  std::string error = "no address";
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    auto fd = connect_one(a, timeout);
    if (fd) return fd;
    error = fd.error();
  }
  return unexpected(error);
}

std::string io_error(const char* what) {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return fmt::format("{}: timed out", what);
  return fmt::format("{}: {}", what, std::strerror(errno));
}

}  // namespace

Result<RedisSocket, std::string> RedisSocket::connect(const std::string& host, uint16_t port,
                                                      std::chrono::seconds timeout,
                                                      const RedisTlsConfig& tls) {
  auto fd = connect_tcp(host, port, timeout);
  if (!fd) return unexpected(fd.error());
  if (!tls.enabled) return RedisSocket(std::move(*fd), nullptr);
  auto ctx = make_redis_tls_context(tls);
  if (!ctx) return unexpected(ctx.error());
  auto ssl = make_redis_tls_session(ctx->get(), tls, host);
  if (!ssl) return unexpected(ssl.error());
  SSL_set_fd(ssl->get(), fd->get());
  if (SSL_connect(ssl->get()) != 1) {
    return unexpected(redis_tls_error(ssl->get(), io_error("TLS handshake")));
  }
  return RedisSocket(std::move(*fd), std::move(*ssl));
}

std::optional<std::string> RedisSocket::write(const std::string& commands) {
  size_t done = 0;
  while (done < commands.size()) {
    const char* data = commands.data() + done;
    const size_t left = commands.size() - done;
    const ssize_t n = ssl_ ? SSL_write(ssl_.get(), data, static_cast<int>(left))
                           : ::send(fd_.get(), data, left, MSG_NOSIGNAL);
    if (n <= 0) {
      if (!ssl_ && n < 0 && errno == EINTR) continue;
      if (!ssl_) return io_error("write");
      return heard_ ? redis_tls_error(ssl_.get(), io_error("write"))
                    : redis_tls_hangup(ssl_.get(), 0, io_error("write"));
    }
    done += static_cast<size_t>(n);
  }
  return std::nullopt;
}

Result<RedisReplyPtr, std::string> RedisSocket::read_reply() {
  std::array<char, 16384> buffer;
  for (;;) {
    auto reply = reader_.next();
    if (!reply) return unexpected(reply.error());
    if (*reply) return std::move(*reply);
    const ssize_t n = ssl_ ? SSL_read(ssl_.get(), buffer.data(), static_cast<int>(buffer.size()))
                           : ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
    const bool closed =
        n == 0 ||
        (ssl_ && n < 0 && SSL_get_error(ssl_.get(), static_cast<int>(n)) == SSL_ERROR_ZERO_RETURN);
    if (n < 0 && !closed && !ssl_ && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = closed ? "the server closed the connection" : io_error("read");
      if (!ssl_) return unexpected(why);
      if (!heard_) return unexpected(redis_tls_hangup(ssl_.get(), 0, why));
      return unexpected(closed ? why : redis_tls_error(ssl_.get(), why));
    }
    heard_ = true;
    reader_.feed(buffer.data(), static_cast<size_t>(n));
  }
}

Result<RedisReplyPtr, std::string> RedisSocket::command(std::span<const std::string_view> argv) {
  if (auto error = write(format_redis_command(argv))) return unexpected(*error);
  return read_reply();
}

}  // namespace tern
