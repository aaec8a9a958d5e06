#pragma once
// The budget of failed password checks that stops online guessing, shared by every
// worker. Each key (see below) may fail `per_source` times a minute; the failure that
// spends the budget holds the key back for `hold_s` seconds, during which its
// authenticated requests are answered 401 without looking at the password, so guessing
// learns nothing. Keys live in a fixed table of atomic words indexed by a keyed hash (no
// lock, no memory per source), four ways to a bucket, each word tagged with 20 bits of
// its key: a key is held only by its own failures (a stranger's tag matches one time in
// a million), so failing under thousands of usernames cannot hold back the whole table.
// When a bucket is full the newcomer takes the way least worth keeping (an idle one,
// else the fewest failures, a running hold last), so evicting one's own hold takes
// filling every bucket with holds.
//
// What a key is depends on whether the source address is proven (an IPv6 source counts as
// its /64, which one subscriber usually holds whole):
// - TCP/TLS: the source IP. The handshake proved the address, so a hold set by it is
//   safe to apply to everything that IP sends, UDP included.
// - UDP: the source IP *and* the username. A UDP source can be spoofed, and a hold by IP
//   alone would let a spoofer lock a victim out. A blind spoofer cannot even spend a
//   budget: a nonce is bound to the IP it was issued to (auth/nonce.h), and a request
//   with a foreign nonce is refused (438) before any key is tried, which counts nothing.
//   Someone who can receive at the victim's address (a shared NAT, a replayed nonce) can
//   only spend the budget of the usernames it names, so the victim's own username,
//   which it does not know, keeps working from that address. Guessing one account over
//   UDP is still bounded by the same budget.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "protocol/transport_address.h"

namespace tern {

struct AuthFailureBudget {
  uint32_t per_connection = 20;  // --auth-failures-per-connection; 0 = no limit
  uint32_t per_source = 50;      // --auth-failures-per-source, per minute; 0 = no limit
  uint32_t hold_s = 60;          // --auth-failure-hold
};

class AuthFailureLimiter {
 public:
  static constexpr size_t kBuckets = 2048;
  static constexpr size_t kWays = 4;
  static constexpr uint32_t kWindowS = 60;
  static constexpr uint32_t kMaxBudget = 2047;  // what a word's count holds

  explicit AuthFailureLimiter(AuthFailureBudget budget);

  const AuthFailureBudget& budget() const { return budget_; }

  // Keys: the source IP (proven streams), or the source IP with the identity the request
  // claims (its USERNAME or USERHASH bytes) for UDP.
  uint64_t key(const TransportAddress& source) const;
  uint64_t key(const TransportAddress& source, std::span<const uint8_t> identity) const;

  // Whether `key` is held back at `now_ms` (steady milliseconds).
  bool held(uint64_t key, int64_t now_ms) const;
  // Counts one failed check of `key`; true when this failure spent the budget and started
  // a hold (a failure that races into a hold already running counts nothing).
  bool fail(uint64_t key, int64_t now_ms);

 private:
  using Bucket = std::array<std::atomic<uint64_t>, kWays>;
  Bucket& bucket(uint64_t key) { return table_[key % kBuckets]; }
  const Bucket& bucket(uint64_t key) const { return table_[key % kBuckets]; }

  AuthFailureBudget budget_;
  uint64_t hash_key_;
  std::array<Bucket, kBuckets> table_{};
};

}  // namespace tern
