#include "server/reservations.h"

#include <openssl/rand.h>

#include <cstring>

namespace tern {

namespace {

uint64_t key_of(std::span<const uint8_t, 8> token) {
  uint64_t key = 0;
  std::memcpy(&key, token.data(), sizeof key);
  return key;
}

}  // namespace

Reservations::Reservations(std::chrono::seconds hold) : hold_(hold) {}

std::optional<ReservationToken> Reservations::reserve(PortLease lease, Clock::time_point now) {
  // Tokens must not be guessable (RFC 8656 §7.2; predictable tokens are an advisory class).
  ReservationToken token;
  if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) return std::nullopt;
  std::vector<PortLease> expired;  // destroyed after the guard below: outside the lock
  std::lock_guard lock(mutex_);
  collect_expired(now, expired);
  // A collision among 64-bit random tokens is astronomically rare, but a second reservation
  // must never replace the first and free its port under it.
  while (entries_.contains(key_of(token))) {
    if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) return std::nullopt;
  }
  const auto deadline = now + hold_;
  entries_.emplace(key_of(token), Entry{std::move(lease), deadline});
  by_deadline_.emplace_back(deadline, key_of(token));
  return token;
}

std::optional<PortLease> Reservations::take(std::span<const uint8_t, 8> token,
                                            Clock::time_point now) {
  std::optional<PortLease> stale;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_of(token));
    if (it == entries_.end()) return std::nullopt;
    PortLease lease = std::move(it->second.lease);
    const bool expired = now > it->second.deadline;
    entries_.erase(it);
    if (!expired) return lease;
    stale = std::move(lease);
  }
  return std::nullopt;  // `stale` gives its port back here, outside the lock
}

void Reservations::expire(Clock::time_point now) {
  std::vector<PortLease> expired;
  std::lock_guard lock(mutex_);
  collect_expired(now, expired);
  // `expired` is declared before the guard, so it is destroyed after the unlock.
}

size_t Reservations::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void Reservations::collect_expired(Clock::time_point now, std::vector<PortLease>& out) {
  while (!by_deadline_.empty() && now > by_deadline_.front().first) {
    const auto [deadline, key] = by_deadline_.front();
    by_deadline_.pop_front();
    const auto it = entries_.find(key);
    // Taken already, or the key now names a later reservation with the same token.
    if (it == entries_.end() || it->second.deadline != deadline) continue;
    out.push_back(std::move(it->second.lease));
    entries_.erase(it);
  }
}

}  // namespace tern
