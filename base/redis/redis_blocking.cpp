#include "base/redis/redis_blocking.h"

#include <fmt/format.h>

#include <algorithm>

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
  const timeval timeout{static_cast<time_t>(config.connect_timeout.count()), 0};
  ContextPtr context(redisConnectWithTimeout(config.host.c_str(), config.port, timeout));
  if (!context) return unexpected(fmt::format("redis {}: out of memory", address));
  if (context->err != 0) return unexpected(fmt::format("redis {}: {}", address, context->errstr));
  redisSetTimeout(context.get(), timeout);

  RedisBlocking redis(address, std::move(context));
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
  if (context_->err != 0) return unexpected(failure(context_->errstr));
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (std::string_view a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  RedisReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(args.size()), args.data(), lengths.data())));
  if (!reply) return unexpected(failure(context_->err != 0 ? context_->errstr : "no reply"));
  if (reply->type == REDIS_REPLY_ERROR) return unexpected(failure(text(reply.get())));
  return reply;
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
    for (size_t i = start; i < end; ++i) {
      const char* args[] = {verb.data(), keys[i].data()};
      const size_t lengths[] = {verb.size(), keys[i].size()};
      if (redisAppendCommandArgv(context_.get(), 2, args, lengths) != REDIS_OK) {
        return unexpected(failure(context_->errstr));
      }
    }
    for (size_t i = start; i < end; ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
        return unexpected(failure(context_->err != 0 ? context_->errstr : "no reply"));
      }
      replies.emplace_back(static_cast<redisReply*>(raw));
    }
  }
  return replies;
}

}  // namespace tern
