#include "server/shared/reservations.h"

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

std::optional<ReservationToken> Reservations::reserve(PortLease lease, QuotaCharge charge,
                                                      Clock::time_point now) {
  // Tokens must not be guessable (RFC 8656 §7.2; predictable tokens are an advisory class).
  ReservationToken token;
  if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) return std::nullopt;
  std::vector<Reserved> expired;  // destroyed after the guard below: outside the lock
  std::lock_guard lock(mutex_);
  collect_expired(now, expired);
  // A collision among 64-bit random tokens is astronomically rare, but a second reservation
  // must never replace the first and free its port under it.
  while (entries_.contains(key_of(token))) {
    if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) return std::nullopt;
  }
  const auto deadline = now + hold_;
  entries_.emplace(key_of(token), Entry{{std::move(lease), std::move(charge)}, deadline});
  by_deadline_.emplace_back(deadline, key_of(token));
  return token;
}

Result<Reserved, ClaimError> Reservations::take(std::span<const uint8_t, 8> token,
                                                const std::string& claimer, Clock::time_point now) {
  std::optional<Reserved> stale;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_of(token));
    if (it == entries_.end()) return unexpected(ClaimError::Invalid);
    if (now <= it->second.deadline) {
      // The quotas' lock nests inside this one; Quotas never calls back here.
      if (!it->second.held.charge.move_to(claimer)) return unexpected(ClaimError::QuotaReached);
      Reserved taken = std::move(it->second.held);
      entries_.erase(it);
      return taken;
    }
    stale = std::move(it->second.held);
    entries_.erase(it);
  }
  return unexpected(ClaimError::Invalid);  // `stale` gives its port back here, unlocked
}

void Reservations::expire(Clock::time_point now) {
  std::vector<Reserved> expired;
  std::lock_guard lock(mutex_);
  collect_expired(now, expired);
  // `expired` is declared before the guard, so it is destroyed after the unlock.
}

size_t Reservations::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void Reservations::collect_expired(Clock::time_point now, std::vector<Reserved>& out) {
  while (!by_deadline_.empty() && now > by_deadline_.front().first) {
    const auto [deadline, key] = by_deadline_.front();
    by_deadline_.pop_front();
    const auto it = entries_.find(key);
    // Taken already, or the key now names a later reservation with the same token.
    if (it == entries_.end() || it->second.deadline != deadline) continue;
    out.push_back(std::move(it->second.held));
    entries_.erase(it);
  }
}

}  // namespace tern
