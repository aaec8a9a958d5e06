#include "tests/support/http_probe.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cctype>
#include <charconv>
#include <cstring>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

constexpr int kReplyTimeoutMs = 5000;

FileDescriptor connected(int family, const sockaddr* sa, socklen_t length,
                         const sockaddr* source = nullptr, socklen_t source_length = 0) {
  FileDescriptor fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.valid() && source != nullptr && ::bind(fd.get(), source, source_length) != 0) fd.reset();
  if (fd.valid() && ::connect(fd.get(), sa, length) != 0) fd.reset();
  return fd;
}

bool send_all(const FileDescriptor& fd, const std::string& data) {
  return ::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

// Until the server closes, or nothing comes for kReplyTimeoutMs.
std::string read_to_close(const FileDescriptor& fd) {
  std::string raw;
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, kReplyTimeoutMs) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  return raw;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The reply in `raw`; nullopt without a status line and the blank line ending the headers.
std::optional<HttpReply> parse_http_reply(const std::string& raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  // "HTTP/1.1 200": the code is the three characters after the version.
  if (head_end == std::string::npos || !raw.starts_with("HTTP/1.") || raw.size() < 12) {
    return std::nullopt;
  }
  HttpReply r;
  const char* code = raw.data() + 9;
  if (std::from_chars(code, code + 3, r.status).ptr != code + 3) return std::nullopt;
  size_t at = raw.find("\r\n") + 2;
  while (at < head_end) {
    const size_t end = raw.find("\r\n", at);
    const std::string line = raw.substr(at, end - at);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const size_t value = line.find_first_not_of(' ', colon + 1);
      r.headers[lower(line.substr(0, colon))] =
          value == std::string::npos ? std::string() : line.substr(value);
    }
    at = end + 2;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

// Connection: close, so the reply ends where the server closes.
std::optional<HttpReply> exchange(const FileDescriptor& fd, const std::string& method,
                                  const std::string& target,
                                  const std::optional<std::string>& token) {
  if (!fd.valid()) return std::nullopt;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  if (token) request += "Authorization: Bearer " + *token + "\r\n";
  request += "Content-Length: 0\r\nConnection: close\r\n\r\n";
  if (!send_all(fd, request)) return std::nullopt;
  const std::string raw = read_to_close(fd);
  return parse_http_reply(raw);
}

}  // namespace

std::optional<HttpReply> http(const std::string& method, const std::string& target,
                              const std::optional<std::string>& token, uint16_t port) {
  const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port));
  return exchange(connected(AF_INET, sa.get(), sa.length), method, target, token);
}

std::optional<HttpReply> http_from(const std::string& source, const std::string& method,
                                   const std::string& target,
                                   const std::optional<std::string>& token, uint16_t port) {
  const auto ip = parse_ip(source);
  if (!ip) return std::nullopt;
  const SockAddr from = to_sockaddr(*ip);
  const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port));
  return exchange(connected(AF_INET, sa.get(), sa.length, from.get(), from.length), method, target,
                  token);
}

std::optional<HttpReply> http_raw(const std::string& request, uint16_t port) {
  const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port));
  const FileDescriptor fd = connected(AF_INET, sa.get(), sa.length);
  // A server may answer and close before taking all of an oversized request.
  if (!fd.valid()) return std::nullopt;
  send_all(fd, request);
  return parse_http_reply(read_to_close(fd));
}

std::optional<HttpReply> http_over_unix(const std::string& method, const std::string& target,
                                        const std::optional<std::string>& token,
                                        const std::filesystem::path& socket) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (socket.native().size() >= sizeof sa.sun_path) return std::nullopt;
  std::memcpy(sa.sun_path, socket.c_str(), socket.native().size());
  return exchange(connected(AF_UNIX, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), method,
                  target, token);
}

}  // namespace tern::test
