// A hostile Redis behind --redis-userdb: the input is the raw RESP a server sends back
// (SCAN pages, MGET batches of user keys, secrets, realm options, peer ranges, or
// anything else), answered to the real loader (auth/redis_loader) over a real RedisAsync
// async connection to a fake server on a loopback socket that only this process uses.
// Checks: the load finishes once at most; whatever the replies, the snapshot it makes
// holds only well-formed keys (16-byte MD5, 32-byte SHA-256, one USERHASH per user),
// secrets newest first, options within their types, sorted peer lists.

#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/long_term_key.h"
#include "auth/redis_loader.h"
#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/redis/redis_async.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;
using namespace tern::auth;

constexpr std::string_view kRealm = "example.org";

// The fake server's listening socket, on 127.0.0.1 and a port the kernel picks.
struct Listener {
  Listener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    TERN_FUZZ_CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    TERN_FUZZ_CHECK(::listen(fd, 16) == 0);
    socklen_t len = sizeof sa;
    TERN_FUZZ_CHECK(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    port = ntohs(sa.sin_port);
  }
  ~Listener() { ::close(fd); }
  int fd;
  uint16_t port = 0;
};

void check_snapshot(const CredentialSnapshot& s) {
  for (const auto& [name, keys] : s.users) {
    TERN_FUZZ_CHECK(!keys.md5.empty() || !keys.sha256.empty());
    TERN_FUZZ_CHECK(keys.md5.empty() || keys.md5.bytes().size() == 16);
    TERN_FUZZ_CHECK(keys.sha256.empty() || keys.sha256.bytes().size() == 32);
    const auto found = s.username_for_userhash(userhash(name, kRealm));
    TERN_FUZZ_CHECK(found && *found == name);
  }
  TERN_FUZZ_CHECK(s.by_userhash.size() == s.users.size());
  TERN_FUZZ_CHECK(std::is_sorted(s.allowed_peer_ranges.begin(), s.allowed_peer_ranges.end()));
  TERN_FUZZ_CHECK(std::is_sorted(s.denied_peer_ranges.begin(), s.denied_peer_ranges.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Listener listener;
  const EventBasePtr base(event_base_new());
  bool ready = false, failed = false;
  auto connection = RedisAsync::connect(base.get(), "127.0.0.1", listener.port, {},
                                        {.ready = [&] { ready = true; },
                                         .failed = [&](const std::string&) { failed = true; },
                                         .message = {}});
  TERN_FUZZ_CHECK(connection.ok());

  // The server side of the connection, accepted once the client's connect is under way.
  std::optional<FileDescriptor> server;
  for (int i = 0; i < 10000 && !server; ++i) {
    event_base_loop(base.get(), EVLOOP_NONBLOCK);
    const int fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) server.emplace(fd);
  }
  TERN_FUZZ_CHECK(server.has_value());
  for (int i = 0; i < 10000 && !ready && !failed; ++i) event_base_loop(base.get(), EVLOOP_NONBLOCK);
  TERN_FUZZ_CHECK(ready);

  int done_calls = 0;
  std::optional<Result<RedisRealmData, std::string>> result;
  load_redis_realm(**connection, std::string(kRealm), [&](Result<RedisRealmData, std::string> r) {
    ++done_calls;
    result.emplace(std::move(r));
  });

  // Every reply at once, then the end of the stream: whatever RedisAsync cannot match to a
  // command or parse ends the connection.
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::send(server->get(), data + written, size - written, MSG_NOSIGNAL);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else {
      event_base_loop(base.get(), EVLOOP_NONBLOCK);
    }
  }
  ::shutdown(server->get(), SHUT_WR);
  for (int i = 0; i < 100000 && !failed && !result; ++i) {
    event_base_loop(base.get(), EVLOOP_NONBLOCK);
  }
  TERN_FUZZ_CHECK(failed || result.has_value());
  TERN_FUZZ_CHECK(done_calls <= 1);
  if (result && result->ok()) {
    check_snapshot((*result)->snapshot);
    for (const auto& note : (*result)->skipped) TERN_FUZZ_CHECK(!note.empty());
  } else if (result) {
    TERN_FUZZ_CHECK(!result->error().empty());
  }
  connection->reset();
  event_base_loop(base.get(), EVLOOP_NONBLOCK);
  return 0;
}
