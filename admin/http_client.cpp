#include "admin/http_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

namespace tern::admin {
namespace {

using Clock = std::chrono::steady_clock;
// A reply bigger than this is not ternd's: thousands of sessions fit in far less.
constexpr size_t kMaxResponse = 64 << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

int ms_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits for `events` on fd; false on timeout (errno ETIMEDOUT) or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

// A non-blocking connect finished within the deadline; errno says why not.
bool connect_within(int fd, const sockaddr* sa, socklen_t len, Clock::time_point deadline) {
  if (::connect(fd, sa, len) == 0) return true;
  if (errno != EINPROGRESS) return false;
  if (!wait_for(fd, POLLOUT, deadline)) return false;
  int error = 0;
  socklen_t size = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  errno = error;
  return error == 0;
}

Result<int, std::string> connect_unix(const std::string& path, Clock::time_point deadline) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return unexpected(std::string("path too long"));
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(std::string(std::strerror(errno)));
  if (!connect_within(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa, deadline)) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return unexpected(why);
  }
  return fd;
}

// "host:port" or "[v6]:port" into its parts.
std::optional<std::pair<std::string, std::string>> split_host_port(std::string_view server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == server.size()) return std::nullopt;
  std::string_view host = server.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return std::nullopt;
  return std::pair{std::string(host), std::string(server.substr(colon + 1))};
}

Result<int, std::string> connect_tcp(const std::string& server, Clock::time_point deadline) {
  auto parts = split_host_port(server);
  if (!parts) return unexpected(std::string("not HOST:PORT or a unix socket path"));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(parts->first.c_str(), parts->second.c_str(), &hints, &found);
      rc != 0) {
    return unexpected(std::string(gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  std::string why = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    if (connect_within(fd, a->ai_addr, a->ai_addrlen, deadline)) return fd;
    why = std::strerror(errno);
    ::close(fd);
  }
  return unexpected(why);
}

bool send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// Everything until the server closes (the request said Connection: close).
Result<std::string, std::string> receive_all(int fd, Clock::time_point deadline) {
  std::string data;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      data.append(buffer, static_cast<size_t>(n));
      if (data.size() > kMaxResponse) return unexpected(std::string("reply too large"));
    } else if (n == 0) {
      return data;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd, POLLIN, deadline)) return unexpected(std::string(std::strerror(errno)));
    } else {
      return unexpected(std::string(std::strerror(errno)));
    }
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<HttpResponse, std::string> parse_http_response(std::string_view raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos || !raw.starts_with("HTTP/1.")) {
    return unexpected(std::string("the reply is not HTTP"));
  }
  HttpResponse r;
  // Three digits (RFC 9110 §15): from_chars alone would take "-12" or "+99".
  const std::string_view status = raw.substr(9, 3);
  auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), r.status);
  if (ec != std::errc() || end != status.data() + status.size() || r.status < 100) {
    return unexpected(std::string("the reply is not HTTP"));
  }
  std::string_view body = raw.substr(head_end + 4);
  // Honour Content-Length when given; ternd never sends a chunked reply.
  std::string_view head = raw.substr(0, head_end);
  for (size_t at = head.find("\r\n"); at != std::string_view::npos;) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string_view line = head.substr(
        at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), "Content-Length")) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      size_t length = 0;
      auto [e, err] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (err != std::errc() || length > body.size()) {
        return unexpected(std::string("the reply was cut short"));
      }
      body = body.substr(0, length);
    }
    at = next;
  }
  r.body = std::string(body);
  return r;
}

Result<HttpResponse, std::string> http_call(const std::string& server, const HttpRequest& request,
                                            std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto fail = [&](std::string_view why) {
    return unexpected(fmt::format("cannot reach ternd admin API at {}: {}", server, why));
  };
  auto fd =
      server.starts_with('/') ? connect_unix(server, deadline) : connect_tcp(server, deadline);
  if (!fd) return fail(fd.error());
  Socket socket(*fd);
  const std::string host = server.starts_with('/') ? "localhost" : server;
  const std::string text = fmt::format(
      "{} {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Length: 0\r\n"
      "Connection: close\r\nUser-Agent: ternctl\r\n\r\n",
      request.method, request.target, host, request.token);
  if (!send_all(socket.get(), text, deadline)) return fail(std::strerror(errno));
  auto raw = receive_all(socket.get(), deadline);
  if (!raw) return fail(raw.error());
  auto response = parse_http_response(*raw);
  if (!response) return fail(response.error());
  return response;
}

std::string percent_encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

}  // namespace tern::admin
