#pragma once
// Allocation quotas per username and in total (RFC 8656 §7.2 step 10: 486). Shared by all
// workers; taken only when an allocation or an EVEN-PORT reservation is made or ends,
// never per packet. ternd serves one realm, so a username names one user of one realm.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tern {

class Quotas;

// One place in the quotas, held by an EVEN-PORT reservation or by an Allocate under way,
// and given back when destroyed. An allocation's place is handed over to the allocation
// table, which gives it back by username when the allocation goes.
class QuotaCharge {
 public:
  QuotaCharge() = default;
  QuotaCharge(QuotaCharge&& other) noexcept;
  QuotaCharge& operator=(QuotaCharge&& other) noexcept;
  QuotaCharge(const QuotaCharge&) = delete;
  QuotaCharge& operator=(const QuotaCharge&) = delete;
  ~QuotaCharge() { reset(); }

  bool held() const { return quotas_ != nullptr; }
  const std::string& user() const { return user_; }
  // Someone else gives the place back now (AllocationTable, on removal).
  void hand_over() { quotas_ = nullptr; }
  // Quotas::transfer to `user`; true for a charge that holds nothing.
  bool move_to(const std::string& user);
  void reset();

 private:
  friend class Quotas;
  QuotaCharge(Quotas& quotas, std::string user) : quotas_(&quotas), user_(std::move(user)) {}

  Quotas* quotas_ = nullptr;
  std::string user_;
};

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
  bool try_acquire(const std::string& user) { return acquire(user, 1); }
  // `count` places for `user`, all or none: an Allocate with EVEN-PORT R holds its
  // allocation and its reservation. Empty when a quota has no room for all of them.
  std::vector<QuotaCharge> try_charge(const std::string& user, uint32_t count = 1);
  // Moves `charge` to `user` (a reservation claimed with another user's credentials); the
  // total does not change. False, and nothing moved, when `user`'s quota is full.
  bool transfer(QuotaCharge& charge, const std::string& user);
  void release(const std::string& user);
  uint64_t total() const;
  uint32_t count_for(const std::string& user) const;

 private:
  bool acquire(const std::string& user, uint32_t count);  // all or none

  mutable std::mutex mutex_;
  Limits limits_;
  std::unordered_map<std::string, uint32_t> per_user_count_;
  uint64_t total_ = 0;
};

// The startup warning for a server that lets one credential (or everyone together) take
// every relay port: nullopt when both quotas are set. `relay_ports` is how many
// allocations of one family the relay ranges hold.
std::optional<std::string> unlimited_quota_warning(Quotas::Limits limits, uint64_t relay_ports);

}  // namespace tern
