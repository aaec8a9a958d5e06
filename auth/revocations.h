#pragma once
// Credentials revoked before they expire (`ternctl credential revoke`): a REST username
// ("<expiry>:<user id>") or a whole user id, each with the time its revocation lapses (the
// username's own expiry, or the operator's --ttl for a user id), so the list stays small.
// The stores hold them (sqlite table revoked, Redis sorted set turn/realm/<realm>/revoked);
// ternd keeps them in one hash set every worker reads on the packet path.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/snapshot_cell.h"
#include "protocol/result.h"

namespace tern::auth {

struct Revocation {
  std::string name;    // a REST username or a user id
  int64_t expiry = 0;  // unix seconds; revoked through this second

  bool operator==(const Revocation&) const = default;
  auto operator<=>(const Revocation&) const = default;
};

enum class RevocationKind : uint8_t { RestUsername, UserId };

// What `name` names: a REST username ("<expiry>:<user id>", "<expiry>" or, as coturn also
// takes, "<user id>:<expiry>") or a user id (no separator, not all digits). The error says
// what is wrong with it, for ternctl.
Result<RevocationKind, std::string> revocation_kind(std::string_view name, char separator = ':');

// The user id of a REST username ("1700000000:alice" or "alice:1700000000" → "alice");
// empty when it has none or is not one.
std::string_view rest_user_id(std::string_view username, char separator = ':');

// One immutable set, as the workers read it.
class RevocationSet {
 public:
  RevocationSet() = default;
  // The latest expiry of a name listed twice wins.
  explicit RevocationSet(const std::vector<Revocation>& list);

  // `username` (as a client sends it) is revoked at `now`: itself, or its user id.
  bool revoked(std::string_view username, int64_t now, char separator = ':') const;
  bool empty() const { return expiry_.empty(); }
  size_t size() const { return expiry_.size(); }
  // Whether `name` is in force here at `now` and was not in `before`.
  bool is_new(const RevocationSet& before, int64_t now) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool in_force(std::string_view name, int64_t now) const;

  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> expiry_;
};

// The revocations ternd enforces, merged from where they come: the sqlite store and the
// Redis store (each read on its reload) and Redis pub/sub (at once). Updated from the main
// thread; read from every worker.
class Revocations {
 public:
  enum class Source : uint8_t { Sqlite, RedisStore, RedisPush };

  explicit Revocations(char separator = ':') : separator_(separator) {}

  // Replaces what `source` says; true when a revocation in force now is new (its user's
  // allocations are to end). Main thread.
  bool set(Source source, std::vector<Revocation> list, int64_t now);
  // Adds one to `source`; as set(). Main thread.
  bool add(Source source, Revocation revocation, int64_t now);

  // Any thread; a relaxed load and nothing else while nothing is revoked.
  bool revoked(std::string_view username, int64_t now) const {
    if (!any_.load(std::memory_order_relaxed)) return false;
    return cell_.get()->revoked(username, now, separator_);
  }
  std::shared_ptr<const RevocationSet> snapshot() const { return cell_.get(); }

 private:
  bool publish(int64_t now);

  char separator_;
  std::array<std::vector<Revocation>, 3> sources_;
  SnapshotCell<RevocationSet> cell_;
  std::atomic<bool> any_{false};
};

}  // namespace tern::auth
