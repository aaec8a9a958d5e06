#include "server/admin/admin_http.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file_descriptor.h"
#include "base/json_writer.h"
#include "base/socket_address.h"

namespace tern {
namespace {

constexpr int kBacklog = 64;
// Requests are a line and a few headers; anything bigger is not ternctl.
constexpr ev_ssize_t kMaxHeaders = 8192;
constexpr ev_ssize_t kMaxBody = 4096;
constexpr int kTimeoutSeconds = 10;

std::string errno_text() {
  return std::strerror(errno);
}

Result<FileDescriptor, std::string> listen_tcp(const std::string& listen) {
  auto address = parse_ip_port(listen);
  if (!address) return unexpected(listen + ": not IP:port");
  const SockAddr sa = to_sockaddr(*address);
  FileDescriptor fd(::socket(sa.get()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(listen + ": " + errno_text());
  // SO_REUSEADDR only: a restart may bind over TIME_WAIT, but a second ternd on the same
  // address fails instead of sharing it (no SO_REUSEPORT here).
  const int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), sa.get(), sa.length) != 0 || ::listen(fd.get(), kBacklog) != 0) {
    return unexpected(listen + ": " + errno_text());
  }
  return fd;
}

Result<FileDescriptor, std::string> listen_unix(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return unexpected(path + ": path too long");
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  // A socket left by a ternd that did not stop cleanly would make bind fail; anything
  // else at that path is the operator's and stays.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  FileDescriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return unexpected(path + ": " + errno_text());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    return unexpected(path + ": " + errno_text());
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd.get(), kBacklog) != 0) {
    const std::string why = errno_text();
    ::unlink(path.c_str());
    return unexpected(path + ": " + why);
  }
  return fd;
}

// libevent's table of reason phrases predates these (RFC 6585) and says "Client Error".
const char* reason_phrase(int code) {
  switch (code) {
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return nullptr;  // libevent's own
  }
}

}  // namespace

Result<FileDescriptor, std::string> bind_http(const std::string& listen) {
  return listen.starts_with('/') ? listen_unix(listen) : listen_tcp(listen);
}

Result<EvHttpPtr, std::string> open_http(event_base* base, const std::string& listen) {
  auto fd = bind_http(listen);
  if (!fd) return unexpected(fd.error());
  return serve_http(base, std::move(*fd), listen);
}

void stop_listening(evhttp* http) {
  std::vector<evhttp_bound_socket*> bound;
  evhttp_foreach_bound_socket(
      http,
      [](evhttp_bound_socket* b, void* out) {
        static_cast<std::vector<evhttp_bound_socket*>*>(out)->push_back(b);
      },
      &bound);
  for (auto* b : bound) evhttp_del_accept_socket(http, b);
}

Result<EvHttpPtr, std::string> serve_http(event_base* base, FileDescriptor fd,
                                          const std::string& listen) {
  EvHttpPtr http(evhttp_new(base));
  if (!http) return unexpected(listen + ": cannot make an HTTP server");
  evhttp_set_max_headers_size(http.get(), kMaxHeaders);
  evhttp_set_max_body_size(http.get(), kMaxBody);
  evhttp_set_timeout(http.get(), kTimeoutSeconds);
  evhttp_set_allowed_methods(http.get(), EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
  // On success the listener owns the socket and closes it with the evhttp.
  if (evhttp_accept_socket_with_handle(http.get(), fd.get()) == nullptr) {
    return unexpected(listen + ": cannot accept connections");
  }
  fd.release();
  return http;
}

bool is_local_only(const std::string& listen) {
  if (listen.starts_with('/')) return true;
  auto a = parse_ip_port(listen);
  if (!a) return false;
  if (a->family == Family::V4) return a->ip[0] == 127;
  static constexpr std::array<uint8_t, 16> kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 1};
  return a->ip == kV6Loopback;
}

void reply(evhttp_request* req, int code, std::string_view content_type, std::string_view body) {
  evkeyvalq* headers = evhttp_request_get_output_headers(req);
  evhttp_add_header(headers, "Content-Type", std::string(content_type).c_str());
  evhttp_add_header(headers, "Cache-Control", "no-store");
  std::unique_ptr<evbuffer, Deleter<evbuffer_free>> out(evbuffer_new());
  evbuffer_add(out.get(), body.data(), body.size());
  evhttp_send_reply(req, code, reason_phrase(code), out.get());
}

void reply_json(evhttp_request* req, int code, std::string_view body) {
  reply(req, code, "application/json", body);
}

void reply_error(evhttp_request* req, int code, std::string_view message) {
  JsonWriter w;
  w.begin_object().field("error", message).end_object();
  reply_json(req, code, w.text());
}

}  // namespace tern
