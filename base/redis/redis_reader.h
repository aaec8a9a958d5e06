#pragma once
// hiredis for the protocol only: commands encoded as RESP, replies parsed from whatever
// bytes the connection delivered. The I/O is tern's (redis_async, redis_socket), so plain
// TCP and TLS take one code path.

#include <hiredis/hiredis.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "protocol/result.h"

namespace tern {

struct RedisReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

// One command as RESP, from an argv: user data is never formatted into command text, so it
// can neither inject a command nor be read as a format string.
std::string format_redis_command(std::span<const std::string_view> argv);

class RedisReader {
 public:
  RedisReader();
  RedisReader(RedisReader&&) noexcept = default;
  RedisReader& operator=(RedisReader&&) noexcept = default;

  void feed(const char* data, size_t size);
  // The next whole reply, nullptr while only part of one has come, or the protocol error
  // that makes the connection unusable.
  Result<RedisReplyPtr, std::string> next();

 private:
  struct Free {
    void operator()(redisReader* r) const { redisReaderFree(r); }
  };
  std::unique_ptr<redisReader, Free> reader_;
};

}  // namespace tern
