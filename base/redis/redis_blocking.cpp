#include "base/redis/redis_blocking.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/redis/redis_sentinel_lookup.h"

namespace tern {
namespace {

constexpr size_t kBatch = 1000;  // commands in flight at once

std::string text(const redisReply* r) {
  return std::string(r->str, r->len);
}

}  // namespace

Result<RedisBlocking, std::string> RedisBlocking::connect(const RedisConnectionConfig& config) {
  if (config.uses_sentinel()) {
    auto master = lookup_sentinel_master(config);
    if (!master) return unexpected("redis " + master.error());
    RedisConnectionConfig fixed = config;
    fixed.sentinels.clear();
    fixed.host = master->host;
    fixed.port = master->port;
    return connect(fixed);
  }
  const std::string address = config.address();
  auto socket = RedisSocket::connect(config.host, config.port, config.connect_timeout, config.tls);
  if (!socket) return unexpected(fmt::format("redis {}: {}", address, socket.error()));

  RedisBlocking redis(address, std::move(*socket));
  auto step_failed = [&](std::string_view step, const std::string& error) {
    // The reply text follows "redis <address>: "; say which step it answered.
    std::string message = error;
    const std::string prefix = fmt::format("redis {}: ", address);
    if (message.starts_with(prefix)) message.insert(prefix.size(), fmt::format("{}: ", step));
    return message;
  };
  if (!config.password.empty()) {
    auto auth = config.user.empty() ? redis.command({"AUTH", config.password})
                                    : redis.command({"AUTH", config.user, config.password});
    if (!auth) return unexpected(step_failed("AUTH failed", auth.error()));
  }
  const std::string db = std::to_string(config.db);
  if (auto selected = redis.command({"SELECT", db}); !selected) {
    return unexpected(step_failed("SELECT " + db + " failed", selected.error()));
  }
  return redis;
}

std::string RedisBlocking::failure(std::string_view what) const {
  return fmt::format("redis {}: {}", address_, what);
}

Result<RedisReplyPtr, std::string> RedisBlocking::command(
    const std::vector<std::string_view>& argv) {
  if (!broken_.empty()) return unexpected(failure(broken_));
  auto reply = socket_.command(std::span(argv.data(), argv.size()));
  if (!reply) {
    broken_ = reply.error();
    return unexpected(failure(broken_));
  }
  if ((*reply)->type == REDIS_REPLY_ERROR) return unexpected(failure(text(reply->get())));
  return std::move(*reply);
}

Result<std::vector<std::string>, std::string> RedisBlocking::scan(std::string_view pattern) {
  std::vector<std::string> found;
  std::string cursor = "0";
  do {
    auto reply = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!reply) return unexpected(reply.error());
    const redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return unexpected(failure("SCAN: unexpected reply"));
    }
    cursor = text(r->element[0]);
    for (size_t i = 0; i < r->element[1]->elements; ++i) {
      const redisReply* key = r->element[1]->element[i];
      if (key->type == REDIS_REPLY_STRING) found.emplace_back(text(key));
    }
  } while (cursor != "0");
  std::sort(found.begin(), found.end());  // SCAN may return a key twice
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

Result<std::vector<RedisReplyPtr>, std::string> RedisBlocking::each(
    std::string_view verb, const std::vector<std::string>& keys) {
  std::vector<RedisReplyPtr> replies;
  replies.reserve(keys.size());
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    const size_t end = std::min(keys.size(), start + kBatch);
    if (!broken_.empty()) return unexpected(failure(broken_));
    std::string batch;
    for (size_t i = start; i < end; ++i) {
      const std::array<std::string_view, 2> argv = {verb, keys[i]};
      batch += format_redis_command(argv);
    }
    if (auto error = socket_.write(batch)) {
      broken_ = *error;
      return unexpected(failure(broken_));
    }
    for (size_t i = start; i < end; ++i) {
      auto reply = socket_.read_reply();
      if (!reply) {
        broken_ = reply.error();
        return unexpected(failure(broken_));
      }
      replies.push_back(std::move(*reply));
    }
  }
  return replies;
}

}  // namespace tern
