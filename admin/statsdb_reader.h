#pragma once
// ternctl's view of the statsdb (--redis-statsdb): coturn's allocation keys and
// tern's fleet heartbeats, read through a blocking connection (base/redis/redis_blocking.h),
// as suits a command-line tool; through the sentinels when the string names them.
// It only reads, but for the one PUBLISH of `fleet kill`. Every command goes as an argv; values are
// read in pipelined batches, so a fleet of 100,000 allocations costs a few hundred round trips, not
// 100,000.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/redis/redis_blocking.h"
#include "protocol/result.h"

namespace tern::admin {

class StatsdbReader {
 public:
  // coturn's connection string; the error names the server ("redis 127.0.0.1:6390:
  // Connection refused") and never repeats the string (it may carry a password).
  static Result<StatsdbReader, std::string> connect(std::string_view connection_string);

  // Every key matching the glob `pattern` (SCAN), sorted, each once.
  Result<std::vector<std::string>, std::string> scan(std::string_view pattern);
  // GET of each key; nullopt for one that is gone (expired since the scan) or not a string.
  Result<std::vector<std::optional<std::string>>, std::string> get(
      const std::vector<std::string>& keys);
  // TTL of each key in seconds: -1 none, -2 gone.
  Result<std::vector<int64_t>, std::string> ttl(const std::vector<std::string>& keys);
  // PUBLISH; how many subscribers received it.
  Result<int64_t, std::string> publish(std::string_view channel, std::string_view message);

 private:
  explicit StatsdbReader(RedisBlocking redis) : redis_(std::move(redis)) {}

  RedisBlocking redis_;
};

}  // namespace tern::admin
