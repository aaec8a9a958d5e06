#pragma once
// Allocation quotas per username and in total (RFC 8656 §7.2 step 10: 486). Shared by all
// workers; taken only when an allocation is made or deleted, never per packet.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tern {

class Quotas {
 public:
  // 0 means unlimited.
  Quotas(uint32_t per_user, uint32_t total) : per_user_(per_user), total_limit_(total) {}

  // Counts one allocation for `user`; false (and nothing counted) when a quota is full.
  bool try_acquire(const std::string& user);
  void release(const std::string& user);
  uint64_t total() const;
  uint32_t count_for(const std::string& user) const;

 private:
  const uint32_t per_user_;
  const uint32_t total_limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> per_user_count_;
  uint64_t total_ = 0;
};

}  // namespace tern
