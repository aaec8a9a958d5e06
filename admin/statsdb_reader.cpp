#include "admin/statsdb_reader.h"

#include <fmt/format.h>

#include "base/redis/redis_connection_string.h"

namespace tern::admin {
namespace {

std::string text(const redisReply* r) {
  return std::string(r->str, r->len);
}

}  // namespace

Result<StatsdbReader, std::string> StatsdbReader::connect(std::string_view connection_string) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-statsdb: " + config.error());
  auto redis = RedisBlocking::connect(*config);
  if (!redis) return unexpected(redis.error());
  return StatsdbReader(std::move(*redis));
}

Result<std::vector<std::string>, std::string> StatsdbReader::scan(std::string_view pattern) {
  return redis_.scan(pattern);
}

Result<std::vector<std::optional<std::string>>, std::string> StatsdbReader::get(
    const std::vector<std::string>& keys) {
  auto replies = redis_.each("GET", keys);
  if (!replies) return unexpected(replies.error());
  std::vector<std::optional<std::string>> values;
  for (const auto& r : *replies) {
    values.push_back(r->type == REDIS_REPLY_STRING ? std::optional(text(r.get())) : std::nullopt);
  }
  return values;
}

Result<std::vector<int64_t>, std::string> StatsdbReader::ttl(const std::vector<std::string>& keys) {
  auto replies = redis_.each("TTL", keys);
  if (!replies) return unexpected(replies.error());
  std::vector<int64_t> ttls;
  for (const auto& r : *replies) {
    ttls.push_back(r->type == REDIS_REPLY_INTEGER ? static_cast<int64_t>(r->integer) : -2);
  }
  return ttls;
}

Result<int64_t, std::string> StatsdbReader::publish(std::string_view channel,
                                                    std::string_view message) {
  auto reply = redis_.command({"PUBLISH", channel, message});
  if (!reply) return unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER)
    return unexpected(redis_.failure("PUBLISH: unexpected reply"));
  return static_cast<int64_t>((*reply)->integer);
}

}  // namespace tern::admin
