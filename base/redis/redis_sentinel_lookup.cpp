#include "base/redis/redis_sentinel_lookup.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <charconv>
#include <memory>

namespace tern {
namespace {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

ReplyPtr call(redisContext* c, std::initializer_list<std::string_view> argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (std::string_view a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lengths.data())));
}

Result<RedisHostPort, std::string> ask(const RedisHostPort& sentinel,
                                       const RedisConnectionConfig& config) {
  const timeval timeout{static_cast<time_t>(config.connect_timeout.count()), 0};
  ContextPtr c(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port, timeout));
  if (!c) return unexpected(std::string("out of memory"));
  if (c->err != 0) return unexpected(std::string(c->errstr));
  redisSetTimeout(c.get(), timeout);
  if (!config.sentinel_password.empty()) {
    ReplyPtr auth = call(c.get(), {"AUTH", config.sentinel_password});
    if (!auth) return unexpected(std::string(c->errstr));
    if (auth->type == REDIS_REPLY_ERROR)
      return unexpected("AUTH failed: " + std::string(auth->str));
  }
  ReplyPtr r = call(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master});
  if (!r) return unexpected(std::string(c->errstr));
  if (r->type == REDIS_REPLY_ERROR) return unexpected(std::string(r->str, r->len));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
      r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
    return unexpected(std::string("does not know that master"));
  }
  const std::string_view port_text(r->element[1]->str, r->element[1]->len);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535 || r->element[0]->len == 0) {
    return unexpected(std::string("unexpected reply"));
  }
  return RedisHostPort{std::string(r->element[0]->str, r->element[0]->len),
                       static_cast<uint16_t>(port)};
}

}  // namespace

Result<RedisHostPort, std::string> lookup_sentinel_master(const RedisConnectionConfig& config) {
  std::string errors;
  for (const auto& sentinel : config.sentinels) {
    auto master = ask(sentinel, config);
    if (master) return master;
    errors +=
        fmt::format("{}{}: {}", errors.empty() ? "" : "; ", sentinel.address(), master.error());
  }
  return unexpected(fmt::format("no sentinel named master {}: {}", config.master, errors));
}

}  // namespace tern
