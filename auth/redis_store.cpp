#include "auth/redis_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace tern::auth {
namespace {

namespace keys = redis_keys;
using keys::RealmOption;
using keys::UserField;
using Kind = StoreError::Kind;

constexpr std::string_view kSecretSuffix = "/secret";

std::string_view text(const redisReply* r) {
  return {r->str, r->len};
}

}  // namespace

Result<RedisStore, StoreError> RedisStore::connect(std::string_view connection_string) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return store_failure(Kind::Open, "redis connection string: " + config.error());
  return connect(*config);
}

Result<RedisStore, StoreError> RedisStore::connect(const RedisConnectionConfig& config) {
  auto redis = RedisBlocking::connect(config);
  if (!redis) return store_failure(Kind::Open, redis.error());
  return RedisStore(std::move(*redis));
}

StoreError RedisStore::failure(std::string_view what) const {
  return {Kind::Database, redis_.failure(what)};
}

Result<RedisStore::ReplyPtr, StoreError> RedisStore::command(
    std::initializer_list<std::string_view> argv) {
  return command(std::vector<std::string_view>(argv));
}

Result<RedisStore::ReplyPtr, StoreError> RedisStore::command(
    const std::vector<std::string_view>& argv) {
  auto reply = redis_.command(argv);
  if (!reply) return unexpected(StoreError{Kind::Database, reply.error()});
  return std::move(*reply);
}

Result<std::vector<std::string>, StoreError> RedisStore::scan(const std::string& pattern) {
  auto found = redis_.scan(pattern);
  if (!found) return unexpected(StoreError{Kind::Database, found.error()});
  return std::move(*found);
}

Result<std::vector<std::string>, StoreError> RedisStore::members(const std::string& key) {
  auto reply = command({"SMEMBERS", key});
  if (!reply) return unexpected(reply.error());
  std::vector<std::string> values;
  const redisReply* r = reply->get();
  if (r->type != REDIS_REPLY_ARRAY) return values;
  for (size_t i = 0; i < r->elements; ++i) {
    if (r->element[i]->type == REDIS_REPLY_STRING) values.emplace_back(text(r->element[i]));
  }
  std::sort(values.begin(), values.end());
  return values;
}

// ---- users ---------------------------------------------------------------------------

StoreStatus RedisStore::add_user(std::string_view realm, std::string_view name,
                                 std::string_view password) {
  if (auto bad = keys::check_user(realm, name)) return unexpected(*bad);
  const auto user = user_keys(realm, name, password);
  if (!user) return unexpected(user.error());
  const std::string md5_key = keys::user_field(realm, name, UserField::Md5Key);
  const std::string password_key = keys::user_field(realm, name, UserField::Password);
  const std::string sha256_key = keys::user_field(realm, name, UserField::Sha256Key);

  auto exists = command({"EXISTS", md5_key, password_key});
  if (!exists) return unexpected(exists.error());
  if ((*exists)->type == REDIS_REPLY_INTEGER && (*exists)->integer > 0) {
    return user_exists(realm, name);
  }
  // NX: of two ternctl runs adding the same name, one wins and the other says Exists.
  auto set = command({"SET", md5_key, keys::to_hex(user->md5.bytes()), "NX"});
  if (!set) return unexpected(set.error());
  if ((*set)->type == REDIS_REPLY_NIL) return user_exists(realm, name);
  auto set_sha256 = command({"SET", sha256_key, keys::sha256_value(user->sha256, user->md5)});
  if (!set_sha256) return unexpected(set_sha256.error());
  return std::monostate{};
}

StoreStatus RedisStore::delete_user(std::string_view realm, std::string_view name) {
  auto deleted = command({"DEL", keys::user_field(realm, name, UserField::Md5Key),
                          keys::user_field(realm, name, UserField::Password),
                          keys::user_field(realm, name, UserField::Sha256Key)});
  if (!deleted) return unexpected(deleted.error());
  if ((*deleted)->type != REDIS_REPLY_INTEGER || (*deleted)->integer == 0) {
    return store_failure(Kind::NotFound, fmt::format("no user {} in realm {}", name, realm));
  }
  return std::monostate{};
}

Result<std::vector<UserRecord>, StoreError> RedisStore::list_users(
    std::optional<std::string_view> realm) {
  auto found = scan(realm ? keys::users_pattern(*realm) : std::string("turn/realm/*/user/*"));
  if (!found) return unexpected(found.error());
  struct Seen {
    bool login = false;   // `key` or `password`: a user coturn knows too
    bool sha256 = false;  // tern's SHA-256 key, or a clear password to derive it from
  };
  std::map<std::pair<std::string, std::string>, Seen> users;
  for (const auto& key : *found) {
    const auto key_realm = realm ? std::optional(*realm) : keys::realm_of(key);
    if (!key_realm) continue;
    const auto user = keys::parse_user_key(key, *key_realm);
    if (!user) continue;
    Seen& seen = users[{std::string(*key_realm), user->name}];
    seen.login |= user->field != UserField::Sha256Key;
    seen.sha256 |= user->field != UserField::Md5Key;
  }
  std::vector<UserRecord> records;
  for (const auto& [id, seen] : users) {
    // A SHA-256 key alone is what coturn's delete leaves behind: not a user.
    if (seen.login) records.push_back({id.first, id.second, seen.sha256});
  }
  return records;
}

// ---- secrets -------------------------------------------------------------------------

StoreStatus RedisStore::add_secret(std::string_view realm, std::string_view value,
                                   int64_t created) {
  if (auto bad = keys::check_realm(realm)) return unexpected(*bad);
  if (value.empty()) return store_failure(Kind::InvalidInput, "the secret is empty");
  auto added = command({"SADD", keys::secrets(realm), value});
  if (!added) return unexpected(added.error());
  // The secret itself stays out of messages: they end up in terminals and logs.
  if ((*added)->type != REDIS_REPLY_INTEGER || (*added)->integer == 0) {
    return store_failure(Kind::Exists, fmt::format("realm {} already has that secret", realm));
  }
  const std::string when = std::to_string(created);
  if (auto dated = command({"HSET", keys::secret_created(realm), value, when}); !dated) {
    return unexpected(dated.error());
  }
  return std::monostate{};
}

StoreStatus RedisStore::delete_secret(std::string_view realm, std::string_view value) {
  auto removed = command({"SREM", keys::secrets(realm), value});
  if (!removed) return unexpected(removed.error());
  if ((*removed)->type != REDIS_REPLY_INTEGER || (*removed)->integer == 0) {
    return store_failure(Kind::NotFound, fmt::format("realm {} has no such secret", realm));
  }
  if (auto undated = command({"HDEL", keys::secret_created(realm), value}); !undated) {
    return unexpected(undated.error());
  }
  return std::monostate{};
}

Result<std::vector<SecretRecord>, StoreError> RedisStore::list_secrets(
    std::optional<std::string_view> realm) {
  std::vector<std::string> realms;
  if (realm) {
    realms.emplace_back(*realm);
  } else {
    auto found = scan(std::string(keys::kPrefix) + "*" + std::string(kSecretSuffix));
    if (!found) return unexpected(found.error());
    for (const auto& key : *found) {
      realms.push_back(key.substr(keys::kPrefix.size(),
                                  key.size() - keys::kPrefix.size() - kSecretSuffix.size()));
    }
  }
  std::vector<SecretRecord> records;
  for (const auto& r : realms) {
    auto values = members(keys::secrets(r));
    if (!values) return unexpected(values.error());
    auto dates = command({"HGETALL", keys::secret_created(r)});
    if (!dates) return unexpected(dates.error());
    std::map<std::string, int64_t, std::less<>> created;
    const redisReply* d = dates->get();
    for (size_t i = 0; d->type == REDIS_REPLY_ARRAY && i + 1 < d->elements; i += 2) {
      const auto when = keys::parse_number(text(d->element[i + 1]));
      if (when && *when <= uint64_t(std::numeric_limits<int64_t>::max())) {
        created[std::string(text(d->element[i]))] = static_cast<int64_t>(*when);
      }
    }
    for (auto& value : *values) {
      const auto it = created.find(value);
      records.push_back({r, std::move(value), it == created.end() ? 0 : it->second});
    }
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    if (a.realm != b.realm) return a.realm < b.realm;
    if (a.created != b.created) return a.created > b.created;
    return a.value < b.value;
  });
  return records;
}

// ---- realm options and peer ranges ---------------------------------------------------

StoreStatus RedisStore::set_realm_options(std::string_view realm, const RealmOptions& options) {
  if (auto bad = keys::check_realm(realm)) return unexpected(*bad);
  const std::pair<RealmOption, uint64_t> values[] = {{RealmOption::UserQuota, options.user_quota},
                                                     {RealmOption::TotalQuota, options.total_quota},
                                                     {RealmOption::MaxBps, options.max_bps}};
  for (const auto& [option, value] : values) {
    const std::string key = keys::realm_option(realm, option);
    const std::string number = std::to_string(value);
    auto done = value > 0 ? command({"SET", key, number}) : command({"DEL", key});
    if (!done) return unexpected(done.error());
  }
  return std::monostate{};
}

Result<RealmOptions, StoreError> RedisStore::realm_options(std::string_view realm) {
  const std::string keys_[] = {keys::realm_option(realm, RealmOption::UserQuota),
                               keys::realm_option(realm, RealmOption::TotalQuota),
                               keys::realm_option(realm, RealmOption::MaxBps)};
  auto reply = command({"MGET", keys_[0], keys_[1], keys_[2]});
  if (!reply) return unexpected(reply.error());
  uint64_t values[3] = {0, 0, 0};
  const redisReply* r = reply->get();
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < std::min<size_t>(r->elements, 3); ++i) {
    if (r->element[i]->type != REDIS_REPLY_STRING) continue;
    const auto n = keys::parse_number(text(r->element[i]));
    if (!n) return unexpected(failure(fmt::format("{} is not a number", keys_[i])));
    values[i] = *n;
  }
  const uint64_t u32 = std::numeric_limits<uint32_t>::max();
  return RealmOptions{static_cast<uint32_t>(std::min(values[0], u32)),
                      static_cast<uint32_t>(std::min(values[1], u32)), values[2]};
}

StoreStatus RedisStore::add_peer_range(std::string_view realm, PeerList list,
                                       std::string_view range) {
  if (auto bad = keys::check_realm(realm)) return unexpected(*bad);
  if (auto bad = keys::check_peer_range(range)) return unexpected(*bad);
  auto added = command({"SADD", keys::peer_list(realm, list), range});
  if (!added) return unexpected(added.error());
  if ((*added)->type != REDIS_REPLY_INTEGER || (*added)->integer == 0) {
    return store_failure(Kind::Exists, fmt::format("realm {} already has {} {}", realm,
                                                   keys::peer_list_name(list), range));
  }
  return std::monostate{};
}

StoreStatus RedisStore::delete_peer_range(std::string_view realm, PeerList list,
                                          std::string_view range) {
  auto removed = command({"SREM", keys::peer_list(realm, list), range});
  if (!removed) return unexpected(removed.error());
  if ((*removed)->type != REDIS_REPLY_INTEGER || (*removed)->integer == 0) {
    return store_failure(Kind::NotFound, fmt::format("realm {} has no {} {}", realm,
                                                     keys::peer_list_name(list), range));
  }
  return std::monostate{};
}

Result<std::vector<std::string>, StoreError> RedisStore::peer_ranges(std::string_view realm,
                                                                     PeerList list) {
  return members(keys::peer_list(realm, list));
}

Result<std::vector<std::string>, StoreError> RedisStore::realms() {
  auto found = scan(std::string(keys::kPrefix) + "*");
  if (!found) return unexpected(found.error());
  std::set<std::string> realms;
  for (const auto& key : *found) {
    if (auto r = keys::realm_of(key)) realms.emplace(*r);
  }
  return std::vector<std::string>(realms.begin(), realms.end());
}

StoreStatus RedisStore::revoke(std::string_view realm, const Revocation& revocation, int64_t now,
                               int64_t* listeners) {
  if (auto bad = keys::check_realm(realm)) return unexpected(*bad);
  const std::string key = keys::revoked(realm);
  const std::string expiry = std::to_string(revocation.expiry);
  // GT: a revocation already there for longer stays as long.
  if (auto added = command({"ZADD", key, "GT", expiry, revocation.name}); !added) {
    return unexpected(added.error());
  }
  const std::string lapsed = "(" + std::to_string(now);
  if (auto purged = command({"ZREMRANGEBYSCORE", key, "-inf", lapsed}); !purged) {
    return unexpected(purged.error());
  }
  auto last = command({"ZRANGE", key, "-1", "-1", "WITHSCORES"});
  if (!last) return unexpected(last.error());
  if ((*last)->type == REDIS_REPLY_ARRAY && (*last)->elements == 2 &&
      (*last)->element[1]->type == REDIS_REPLY_STRING) {
    // The whole set goes when its last revocation lapses.
    const std::string until(text((*last)->element[1]));
    if (auto expire = command({"EXPIREAT", key, until}); !expire) return unexpected(expire.error());
  }
  const std::string message = expiry + " " + revocation.name;
  auto heard = command({"PUBLISH", key, message});
  if (!heard) return unexpected(heard.error());
  if (listeners != nullptr) {
    *listeners = (*heard)->type == REDIS_REPLY_INTEGER ? (*heard)->integer : 0;
  }
  return std::monostate{};
}

Result<std::vector<Revocation>, StoreError> RedisStore::list_revoked(std::string_view realm,
                                                                     int64_t now) {
  const std::string from = std::to_string(now);
  auto r = command({"ZRANGE", keys::revoked(realm), from, "+inf", "BYSCORE", "WITHSCORES"});
  if (!r) return unexpected(r.error());
  std::vector<Revocation> out;
  const redisReply* reply = r->get();
  if (reply->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    const auto expiry = keys::parse_number(text(reply->element[i + 1]));
    if (!expiry) continue;
    out.push_back({std::string(text(reply->element[i])), static_cast<int64_t>(*expiry)});
  }
  std::ranges::sort(out);
  return out;
}

}  // namespace tern::auth
