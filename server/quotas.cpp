#include "server/quotas.h"

namespace tern {

void Quotas::set_limits(Limits limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

Quotas::Limits Quotas::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

bool Quotas::try_acquire(const std::string& user) {
  std::lock_guard lock(mutex_);
  if (limits_.total > 0 && total_ >= limits_.total) return false;
  auto& n = per_user_count_[user];
  if (limits_.per_user > 0 && n >= limits_.per_user) {
    if (n == 0) per_user_count_.erase(user);
    return false;
  }
  ++n;
  ++total_;
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

}  // namespace tern
