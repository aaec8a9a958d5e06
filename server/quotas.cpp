#include "server/quotas.h"

namespace tern {

bool Quotas::try_acquire(const std::string& user) {
  std::lock_guard lock(mutex_);
  if (total_limit_ > 0 && total_ >= total_limit_) return false;
  auto& n = per_user_count_[user];
  if (per_user_ > 0 && n >= per_user_) {
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
