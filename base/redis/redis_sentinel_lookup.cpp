#include "base/redis/redis_sentinel_lookup.h"

#include <fmt/format.h>

#include <charconv>
#include <memory>

#include "base/redis/redis_socket.h"

namespace tern {
namespace {

Result<RedisHostPort, std::string> ask(const RedisHostPort& sentinel,
                                       const RedisConnectionConfig& config) {
  auto c = RedisSocket::connect(sentinel.host, sentinel.port, config.connect_timeout, config.tls);
  if (!c) return unexpected(c.error());
  if (!config.sentinel_password.empty()) {
    auto auth = c->command({"AUTH", config.sentinel_password});
    if (!auth) return unexpected(auth.error());
    if ((*auth)->type == REDIS_REPLY_ERROR)
      return unexpected("AUTH failed: " + std::string((*auth)->str, (*auth)->len));
  }
  auto reply = c->command({"SENTINEL", "get-master-addr-by-name", config.master});
  if (!reply) return unexpected(reply.error());
  const redisReply* r = reply->get();
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
