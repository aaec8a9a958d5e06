#include "admin/statsdb_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/redis/redis_connection_string.h"

namespace tern::admin {
namespace {

constexpr size_t kBatch = 1000;  // commands in flight at once

std::string text(const redisReply* r) {
  return std::string(r->str, r->len);
}

}  // namespace

Result<StatsdbReader, std::string> StatsdbReader::connect(std::string_view connection_string) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-statsdb: " + config.error());
  const std::string address = config->address();
  const timeval timeout{static_cast<time_t>(config->connect_timeout.count()), 0};
  ContextPtr context(redisConnectWithTimeout(config->host.c_str(), config->port, timeout));
  if (!context) return unexpected(fmt::format("redis {}: out of memory", address));
  if (context->err != 0) return unexpected(fmt::format("redis {}: {}", address, context->errstr));
  redisSetTimeout(context.get(), timeout);
  StatsdbReader reader(address, std::move(context));
  if (!config->password.empty()) {
    auto auth = config->user.empty() ? reader.command({"AUTH", config->password})
                                     : reader.command({"AUTH", config->user, config->password});
    if (!auth) return unexpected(auth.error());
  }
  if (auto selected = reader.command({"SELECT", std::to_string(config->db)}); !selected) {
    return unexpected(selected.error());
  }
  return reader;
}

std::string StatsdbReader::failure(std::string_view what) const {
  return fmt::format("redis {}: {}", address_, what);
}

Result<StatsdbReader::ReplyPtr, std::string> StatsdbReader::command(
    const std::vector<std::string_view>& argv) {
  if (context_->err != 0) return unexpected(failure(context_->errstr));
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (std::string_view a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(args.size()), args.data(), lengths.data())));
  if (!reply) return unexpected(failure(context_->err != 0 ? context_->errstr : "no reply"));
  if (reply->type == REDIS_REPLY_ERROR) return unexpected(failure(text(reply.get())));
  return reply;
}

Result<std::vector<std::string>, std::string> StatsdbReader::scan(std::string_view pattern) {
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

Result<std::vector<StatsdbReader::ReplyPtr>, std::string> StatsdbReader::each(
    std::string_view verb, const std::vector<std::string>& keys) {
  std::vector<ReplyPtr> replies;
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

Result<std::vector<std::optional<std::string>>, std::string> StatsdbReader::get(
    const std::vector<std::string>& keys) {
  auto replies = each("GET", keys);
  if (!replies) return unexpected(replies.error());
  std::vector<std::optional<std::string>> values;
  for (const auto& r : *replies) {
    values.push_back(r->type == REDIS_REPLY_STRING ? std::optional(text(r.get())) : std::nullopt);
  }
  return values;
}

Result<std::vector<int64_t>, std::string> StatsdbReader::ttl(const std::vector<std::string>& keys) {
  auto replies = each("TTL", keys);
  if (!replies) return unexpected(replies.error());
  std::vector<int64_t> ttls;
  for (const auto& r : *replies) {
    ttls.push_back(r->type == REDIS_REPLY_INTEGER ? static_cast<int64_t>(r->integer) : -2);
  }
  return ttls;
}

Result<int64_t, std::string> StatsdbReader::publish(std::string_view channel,
                                                    std::string_view message) {
  auto reply = command({"PUBLISH", channel, message});
  if (!reply) return unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER)
    return unexpected(failure("PUBLISH: unexpected reply"));
  return static_cast<int64_t>((*reply)->integer);
}

}  // namespace tern::admin
