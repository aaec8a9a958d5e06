#pragma once
// A blocking Redis connection, for what runs off every event loop: ternctl's stores and
// readers. The server the connection string names, or the master its sentinels name;
// logged in and on its database before it is handed out. Every command goes as an argv:
// names and passwords are never formatted into command text.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_reader.h"
#include "base/redis/redis_socket.h"
#include "protocol/result.h"

namespace tern {

class RedisBlocking {
 public:
  // Errors name the server and the step ("redis 127.0.0.1:6390: AUTH failed: WRONGPASS
  // ...") and never repeat the connection string (it may carry a password). The connect
  // timeout also bounds every later command.
  static Result<RedisBlocking, std::string> connect(const RedisConnectionConfig& config);

  // One command; an error reply is an error, so a reply handed back never is one.
  Result<RedisReplyPtr, std::string> command(const std::vector<std::string_view>& argv);
  // Every key matching the glob `pattern` (SCAN), sorted, each once.
  Result<std::vector<std::string>, std::string> scan(std::string_view pattern);
  // `verb key` for each key, pipelined in batches; the replies in order (error replies
  // included: one key's error is that key's answer).
  Result<std::vector<RedisReplyPtr>, std::string> each(std::string_view verb,
                                                       const std::vector<std::string>& keys);

  // "redis <address>: <what>".
  std::string failure(std::string_view what) const;
  const std::string& address() const { return address_; }

 private:
  RedisBlocking(std::string address, RedisSocket socket)
      : address_(std::move(address)), socket_(std::move(socket)) {}

  std::string address_;
  RedisSocket socket_;
  std::string broken_;  // set once the connection failed: nothing more is tried on it
};

}  // namespace tern
