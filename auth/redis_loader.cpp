#include "auth/redis_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "auth/redis_keys.h"

namespace tern::auth {
namespace {

namespace keys = redis_keys;
using keys::PeerList;
using keys::RealmOption;
using keys::UserField;

constexpr std::string_view kScanCount = "1000";
constexpr size_t kMgetBatch = 500;
constexpr int64_t kNoDate = std::numeric_limits<int64_t>::min();

using Done = std::function<void(Result<RedisRealmData, std::string>)>;

// Everything one load gathers. Handlers in the connection's queue share it; when the
// connection goes, so do they and it.
struct LoadState {
  RedisAsync* connection;  // outlives every handler, which live in its queue
  std::string realm;
  Done done;
  std::vector<std::string> user_keys;
  std::map<std::string, std::string> md5_hex, sha256_values, passwords;
  std::vector<std::string> secrets;
  std::map<std::string, int64_t, std::less<>> created;
  std::array<std::optional<std::string>, 3> options;
  RedisRealmData data;
};
using State = std::shared_ptr<LoadState>;

std::string_view text(const redisReply* r) {
  return {r->str, r->len};
}

bool is_error(const redisReply* r) {
  return r->type == REDIS_REPLY_ERROR;
}

void skip(LoadState& s, std::string_view key, std::string_view why) {
  s.data.skipped.push_back(fmt::format("{}: {}", key, why));
}

// The string members of an array reply (SMEMBERS); an error reply becomes a skipped note.
std::vector<std::string> members(LoadState& s, std::string_view key, const redisReply* r) {
  std::vector<std::string> out;
  if (is_error(r)) {
    skip(s, key, text(r));
  } else if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; ++i) {
      if (r->element[i]->type == REDIS_REPLY_STRING) out.emplace_back(text(r->element[i]));
    }
  }
  return out;
}

void finish(LoadState& s);

void fetch_realm(const State& state) {
  LoadState& s = *state;
  const std::string secrets_key = keys::secrets(s.realm);
  s.connection->command({"SMEMBERS", secrets_key}, [state, secrets_key](const redisReply* r) {
    if (r != nullptr) state->secrets = members(*state, secrets_key, r);
  });
  const std::string created_key = keys::secret_created(s.realm);
  s.connection->command({"HGETALL", created_key}, [state, created_key](const redisReply* r) {
    if (r == nullptr) return;
    const auto flat = members(*state, created_key, r);
    for (size_t i = 0; i + 1 < flat.size(); i += 2) {
      if (auto when = keys::parse_number(flat[i + 1]);
          when && *when <= uint64_t(std::numeric_limits<int64_t>::max())) {
        state->created[flat[i]] = static_cast<int64_t>(*when);
      }
    }
  });
  const std::string user_quota = keys::realm_option(s.realm, RealmOption::UserQuota);
  const std::string total_quota = keys::realm_option(s.realm, RealmOption::TotalQuota);
  const std::string max_bps = keys::realm_option(s.realm, RealmOption::MaxBps);
  s.connection->command({"MGET", user_quota, total_quota, max_bps}, [state](const redisReply* r) {
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return;
    for (size_t i = 0; i < std::min<size_t>(r->elements, 3); ++i) {
      if (r->element[i]->type == REDIS_REPLY_STRING) state->options[i] = text(r->element[i]);
    }
  });
  const std::string allowed = keys::peer_list(s.realm, PeerList::Allowed);
  s.connection->command({"SMEMBERS", allowed}, [state, allowed](const redisReply* r) {
    if (r != nullptr) state->data.snapshot.allowed_peer_ranges = members(*state, allowed, r);
  });
  const std::string revoked = keys::revoked(s.realm);
  s.connection->command({"ZRANGE", revoked, "0", "-1", "WITHSCORES"},
                        [state, revoked](const redisReply* r) {
                          if (r == nullptr) return;
                          const auto flat = members(*state, revoked, r);
                          auto& into = state->data.snapshot.revoked;
                          for (size_t i = 0; i + 1 < flat.size(); i += 2) {
                            const auto expiry = keys::parse_number(flat[i + 1]);
                            if (!expiry || *expiry > uint64_t(INT64_MAX)) continue;
                            into.push_back({flat[i], static_cast<int64_t>(*expiry)});
                          }
                          std::ranges::sort(into);
                        });
  const std::string denied = keys::peer_list(s.realm, PeerList::Denied);
  s.connection->command({"SMEMBERS", denied}, [state, denied](const redisReply* r) {
    if (r == nullptr) return;
    state->data.snapshot.denied_peer_ranges = members(*state, denied, r);
    finish(*state);  // replies come in order: this is the last one
  });
}

void fetch_users(const State& state) {
  LoadState& s = *state;
  std::sort(s.user_keys.begin(), s.user_keys.end());  // SCAN may return a key twice
  s.user_keys.erase(std::unique(s.user_keys.begin(), s.user_keys.end()), s.user_keys.end());
  for (size_t begin = 0; begin < s.user_keys.size(); begin += kMgetBatch) {
    const size_t end = std::min(begin + kMgetBatch, s.user_keys.size());
    std::vector<std::string_view> argv{"MGET"};
    argv.insert(argv.end(), s.user_keys.begin() + begin, s.user_keys.begin() + end);
    s.connection->command(argv, [state, begin, end](const redisReply* r) {
      if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != end - begin) return;
      for (size_t i = 0; i < r->elements; ++i) {
        if (r->element[i]->type != REDIS_REPLY_STRING)
          continue;  // deleted meanwhile, or not a string
        const std::string& key = state->user_keys[begin + i];
        const auto user = keys::parse_user_key(key, state->realm);
        if (!user) continue;
        auto& into = user->field == UserField::Md5Key      ? state->md5_hex
                     : user->field == UserField::Sha256Key ? state->sha256_values
                                                           : state->passwords;
        into[user->name] = text(r->element[i]);
      }
    });
  }
  fetch_realm(state);
}

void scan(const State& state, const std::string& cursor) {
  const std::string pattern = keys::users_pattern(state->realm);
  state->connection->command(
      {"SCAN", cursor, "MATCH", pattern, "COUNT", kScanCount}, [state](const redisReply* r) {
        if (r == nullptr) return;
        if (is_error(r)) return state->done(unexpected("SCAN: " + std::string(text(r))));
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
          return state->done(unexpected(std::string("SCAN: unexpected reply")));
        }
        const redisReply* found = r->element[1];
        for (size_t i = 0; i < found->elements; ++i) {
          if (found->element[i]->type == REDIS_REPLY_STRING) {
            state->user_keys.emplace_back(text(found->element[i]));
          }
        }
        const std::string next(text(r->element[0]));
        if (next == "0") {
          fetch_users(state);
        } else {
          scan(state, next);
        }
      });
}

// A user's keys from what was read: `key` (or, failing that, coturn's older clear
// `password`), and tern's `sha256-key` when it still belongs to that MD5 key.
std::optional<CredentialSnapshot::Keys> user_keys(LoadState& s, const std::string& name) {
  const auto field = [&](UserField f) { return keys::user_field(s.realm, name, f); };
  CredentialSnapshot::Keys k;
  if (auto it = s.md5_hex.find(name); it != s.md5_hex.end()) {
    const auto md5 = keys::key_from_hex(PasswordAlgorithm::Md5, it->second);
    if (!md5) {
      skip(s, field(UserField::Md5Key), "not an MD5 key (32 hex digits)");
      return std::nullopt;
    }
    k.md5 = *md5;
  } else if (auto pw = s.passwords.find(name); pw != s.passwords.end()) {
    const auto md5 = derive_key(PasswordAlgorithm::Md5, name, s.realm, pw->second);
    const auto sha256 = derive_key(PasswordAlgorithm::Sha256, name, s.realm, pw->second);
    if (!md5 || !sha256) {
      skip(s, field(UserField::Password), "not a valid SASLprep password");
      return std::nullopt;
    }
    return CredentialSnapshot::Keys{*md5, *sha256};
  }
  if (auto it = s.sha256_values.find(name); it != s.sha256_values.end()) {
    const auto value = keys::parse_sha256_value(it->second);
    if (!value) {
      skip(s, field(UserField::Sha256Key), "not a SHA-256 key (64 hex digits)");
    } else if (value->md5 && *value->md5 != k.md5) {
      // Made with a password that `key` no longer holds (changed or deleted by coturn's
      // turnadmin): honouring it would keep the old password valid.
      skip(s, field(UserField::Sha256Key), "stale: made for a different MD5 key; ignored");
    } else {
      k.sha256 = value->sha256;
    }
  }
  if (k.md5.empty() && k.sha256.empty()) return std::nullopt;
  return k;
}

void finish(LoadState& s) {
  std::set<std::string> names;
  for (const auto* m : {&s.md5_hex, &s.sha256_values, &s.passwords}) {
    for (const auto& [name, value] : *m) names.insert(name);
  }
  for (const auto& name : names) {
    if (auto k = user_keys(s, name)) s.data.snapshot.add_user(name, s.realm, *k);
  }

  auto date = [&](const std::string& secret) {
    const auto it = s.created.find(secret);
    return it == s.created.end() ? kNoDate : it->second;
  };
  std::sort(s.secrets.begin(), s.secrets.end(), [&](const auto& a, const auto& b) {
    const int64_t da = date(a), db = date(b);
    return da != db ? da > db : a < b;
  });
  s.data.snapshot.secrets = std::move(s.secrets);

  static constexpr RealmOption kOrder[] = {RealmOption::UserQuota, RealmOption::TotalQuota,
                                           RealmOption::MaxBps};
  uint64_t values[3] = {0, 0, 0};
  for (size_t i = 0; i < 3; ++i) {
    if (!s.options[i]) continue;
    const auto n = keys::parse_number(*s.options[i]);
    if (!n) {
      skip(s, keys::realm_option(s.realm, kOrder[i]), "not a number; taken as 0 (unlimited)");
      continue;
    }
    values[i] = *n;
  }
  const uint64_t u32 = std::numeric_limits<uint32_t>::max();
  CredentialSnapshot& out = s.data.snapshot;
  out.options.user_quota = static_cast<uint32_t>(std::min(values[0], u32));
  out.options.total_quota = static_cast<uint32_t>(std::min(values[1], u32));
  out.options.max_bps = values[2];
  std::ranges::sort(out.allowed_peer_ranges);
  std::ranges::sort(out.denied_peer_ranges);
  s.done(std::move(s.data));
}

}  // namespace

void load_redis_realm(RedisAsync& connection, std::string realm,
                      std::function<void(Result<RedisRealmData, std::string>)> done) {
  auto state = std::make_shared<LoadState>();
  state->connection = &connection;
  state->realm = std::move(realm);
  state->done = std::move(done);
  scan(state, "0");
}

}  // namespace tern::auth
