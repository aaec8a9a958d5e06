#include "server/shared/quotas.h"

#include <utility>

namespace tern {

QuotaCharge::QuotaCharge(QuotaCharge&& other) noexcept
    : quotas_(std::exchange(other.quotas_, nullptr)), user_(std::move(other.user_)) {}

QuotaCharge& QuotaCharge::operator=(QuotaCharge&& other) noexcept {
  if (this != &other) {
    reset();
    quotas_ = std::exchange(other.quotas_, nullptr);
    user_ = std::move(other.user_);
  }
  return *this;
}

void QuotaCharge::reset() {
  if (quotas_ != nullptr) std::exchange(quotas_, nullptr)->release(user_);
}

bool QuotaCharge::move_to(const std::string& user) {
  return quotas_ == nullptr || quotas_->transfer(*this, user);
}

void Quotas::set_limits(Limits limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

Quotas::Limits Quotas::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

bool Quotas::acquire(const std::string& user, uint32_t count) {
  std::lock_guard lock(mutex_);
  if (limits_.total > 0 && total_ + count > limits_.total) return false;
  auto& n = per_user_count_[user];
  if (limits_.per_user > 0 && uint64_t{n} + count > limits_.per_user) {
    if (n == 0) per_user_count_.erase(user);
    return false;
  }
  n += count;
  total_ += count;
  return true;
}

std::vector<QuotaCharge> Quotas::try_charge(const std::string& user, uint32_t count) {
  std::vector<QuotaCharge> charges;
  if (!acquire(user, count)) return charges;
  for (uint32_t i = 0; i < count; ++i) charges.push_back(QuotaCharge(*this, user));
  return charges;
}

bool Quotas::transfer(QuotaCharge& charge, const std::string& user) {
  if (charge.quotas_ != this) return false;  // not a place in these quotas
  if (charge.user_ == user) return true;
  std::lock_guard lock(mutex_);
  auto& n = per_user_count_[user];
  if (limits_.per_user > 0 && n >= limits_.per_user) {
    if (n == 0) per_user_count_.erase(user);
    return false;
  }
  ++n;
  auto from = per_user_count_.find(charge.user_);
  if (from != per_user_count_.end() && --from->second == 0) per_user_count_.erase(from);
  charge.user_ = user;
  return true;
}

void Quotas::release(const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = per_user_count_.find(user);
  if (it == per_user_count_.end()) return;
  if (--it->second == 0) per_user_count_.erase(it);
  --total_;
}

uint64_t Quotas::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

uint32_t Quotas::count_for(const std::string& user) const {
  std::lock_guard lock(mutex_);
  auto it = per_user_count_.find(user);
  return it == per_user_count_.end() ? 0 : it->second;
}

std::optional<std::string> unlimited_quota_warning(Quotas::Limits limits, uint64_t relay_ports) {
  // A browser makes one to three allocations per call (one per ICE candidate gathering,
  // more with several STUN/TURN servers or a restart), so 10-20 leaves room for a few
  // calls at once while one leaked credential can no longer take every port.
  const std::string user = "user-quota=10 to 20 (a WebRTC client makes 1-3 allocations per call)";
  const std::string total = "total-quota=" + std::to_string(relay_ports) +
                            " at most (the relay ports; lower if bandwidth or open files "
                            "run out first)";
  const std::string why = "one credential can take every relay port (" +
                          std::to_string(relay_ports) + ") and leave everyone else with 508";
  if (limits.per_user == 0 && limits.total == 0) {
    return "user-quota and total-quota are unlimited: " + why + "; recommended: " + user + ", " +
           total;
  }
  if (limits.per_user == 0) {
    return "user-quota is unlimited: one credential can take all total-quota=" +
           std::to_string(limits.total) + " allocations; recommended: " + user;
  }
  if (limits.total == 0) {
    return "total-quota is unlimited: enough users together can take every relay port (" +
           std::to_string(relay_ports) + "); recommended: " + total;
  }
  return std::nullopt;
}

}  // namespace tern
