#pragma once
// A blocking Redis connection, plain TCP or TLS, for what runs off every event loop
// (ternctl's stores, the Sentinel lookup): a socket and an OpenSSL session of tern's, and
// hiredis for the protocol only (redis_reader), since Debian 12's hiredis has no TLS.

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_reader.h"
#include "protocol/result.h"

namespace tern {

class RedisSocket {
 public:
  // `host` is an IP address or a name (every address it resolves to is tried); `timeout`
  // bounds the connection, the TLS handshake and every later read and write. Errors say
  // what failed, never which password.
  static Result<RedisSocket, std::string> connect(const std::string& host, uint16_t port,
                                                  std::chrono::seconds timeout,
                                                  const RedisTlsConfig& tls);

  // One command and its reply (an error reply is a reply here).
  Result<RedisReplyPtr, std::string> command(std::span<const std::string_view> argv);
  Result<RedisReplyPtr, std::string> command(std::initializer_list<std::string_view> argv) {
    return command(std::span(argv.begin(), argv.size()));
  }
  // Pipelining: commands written in one go, then their replies read in order.
  // nullopt, or why the write failed.
  std::optional<std::string> write(const std::string& commands);
  Result<RedisReplyPtr, std::string> read_reply();

 private:
  RedisSocket(FileDescriptor fd, SslPtr ssl) : fd_(std::move(fd)), ssl_(std::move(ssl)) {}

  FileDescriptor fd_;
  SslPtr ssl_;          // after fd_: the session goes before its socket
  bool heard_ = false;  // the server has sent something: a hang-up is no TLS refusal
  RedisReader reader_;
};

}  // namespace tern
