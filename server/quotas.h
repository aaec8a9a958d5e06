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
  struct Limits {
    uint32_t per_user = 0;  // 0 means unlimited
    uint32_t total = 0;

    bool operator==(const Limits&) const = default;
  };

  Quotas(uint32_t per_user, uint32_t total) : limits_{per_user, total} {}

  // A realm option changed in a store. Lowering a limit never ends an allocation: it only
  // refuses new ones until the count is below it again.
  void set_limits(Limits limits);
  Limits limits() const;

  // Counts one allocation for `user`; false (and nothing counted) when a quota is full.
  bool try_acquire(const std::string& user);
  void release(const std::string& user);
  uint64_t total() const;
  uint32_t count_for(const std::string& user) const;

 private:
  mutable std::mutex mutex_;
  Limits limits_;
  std::unordered_map<std::string, uint32_t> per_user_count_;
  uint64_t total_ = 0;
};

}  // namespace tern
