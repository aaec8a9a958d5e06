#pragma once
// A worker's allocations, found by 5-tuple. Expiry is checked on use and swept by one
// timer per worker (DESIGN.md), not by a libevent timer per allocation.

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "server/allocation.h"
#include "server/counters.h"
#include "server/five_tuple.h"
#include "server/quotas.h"

namespace tern {

class AllocationTable {
 public:
  AllocationTable(Quotas& quotas, WorkerCounters& counters)
      : quotas_(quotas), counters_(counters) {}
  ~AllocationTable();
  AllocationTable(const AllocationTable&) = delete;
  AllocationTable& operator=(const AllocationTable&) = delete;

  // The live allocation of a 5-tuple; an expired one is removed on the way.
  Allocation* find(const FiveTuple& tuple, int64_t now_ms);
  // The caller has taken the quota for `a->username()`; the table gives it back on removal.
  Allocation& insert(std::unique_ptr<Allocation> a);
  void remove(const FiveTuple& tuple);
  // Removes expired allocations and prunes the rest's permissions and channels.
  void sweep(int64_t now_ms);

  size_t size() const { return by_tuple_.size(); }
  void for_each(const std::function<void(const Allocation&)>& f) const;

 private:
  using Map = std::unordered_map<FiveTuple, std::unique_ptr<Allocation>, FiveTupleHash>;
  void erase(Map::iterator it);

  Quotas& quotas_;
  WorkerCounters& counters_;
  Map by_tuple_;
};

}  // namespace tern
