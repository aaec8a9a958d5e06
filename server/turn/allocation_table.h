#pragma once
// A worker's allocations, found by 5-tuple. Expiry is checked on use and swept by one
// timer per worker (DESIGN.md), not by a libevent timer per allocation.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/core/counters.h"
#include "server/core/five_tuple.h"
#include "server/shared/quotas.h"
#include "server/turn/allocation.h"

namespace tern {

class Logger;
class StatsPublisher;

// Why an allocation went, for its "allocation deleted" log line.
// MoveFailed: an allocation handed over by another worker (RFC 8016) that could not be
// taken in here: its client made a new one at the same 5-tuple meanwhile, or the loop
// could not watch its relay sockets.
enum class EndReason : uint8_t { Expired, Refresh0, Killed, StreamClosed, Shutdown, MoveFailed };
const char* to_string(EndReason r);

class AllocationTable {
 public:
  // `worker` is the index allocation ids carry, `first_sequence` the first one's sequence
  // number (AllocationId::first_sequence). With `log`, each allocation made and
  // deleted is one INFO line (allocation events only, never per packet); it must outlive
  // the table.
  AllocationTable(Quotas& quotas, WorkerCounters& counters, unsigned worker = 0,
                  StatsPublisher* stats = nullptr, Logger* log = nullptr,
                  uint64_t first_sequence = 1)
      : quotas_(quotas),
        counters_(counters),
        worker_(worker),
        stats_(stats),
        log_(log),
        next_sequence_(first_sequence) {}
  ~AllocationTable();
  AllocationTable(const AllocationTable&) = delete;
  AllocationTable& operator=(const AllocationTable&) = delete;

  // The live allocation of a 5-tuple; an expired one is removed on the way.
  Allocation* find(const FiveTuple& tuple, int64_t now_ms);
  // The caller has taken the quota for `a->username()`; the table gives it back on removal.
  // Gives the allocation its id and creation time.
  // `realm` is only said in the log line.
  Allocation& insert(std::unique_ptr<Allocation> a, std::string_view realm = {});
  void remove(const FiveTuple& tuple, EndReason why);
  // Removes every allocation `doomed` picks (the admin API's kill); returns how many.
  size_t remove_if(const std::function<bool(const Allocation&)>& doomed);
  // Removes expired allocations and prunes the rest's permissions and channels. Returns
  // the TCP/TLS connections of the expired ones for the caller to close: a client that let
  // its allocation lapse is gone, and its connection would otherwise hold an fd until the
  // idle limit. (The table cannot close them itself: closing calls back into it.)
  // `live`, when given, then sees each allocation that stays, in the same walk.
  std::vector<ClientStream*> sweep(int64_t now_ms,
                                   const std::function<void(Allocation&)>& live = nullptr);

  // RFC 8016: the live mobile allocation its tickets call `handle` here
  // (Allocation::mobility_handle).
  Allocation* find_mobile(uint64_t handle, int64_t now_ms);
  // Re-files `a` under `to` (the client moved there): the old 5-tuple is no longer its,
  // and it keeps its id, quota place and everything else. `to` must have no allocation.
  void move(Allocation& a, const FiveTuple& to, ClientLink link);
  // A move to another worker, in two halves on the two workers' threads. release() takes
  // `a` out of this table for worker `to_worker`: its kernel fast path entries go (their
  // traffic counted here), its relay sockets leave this loop; it keeps its quota place.
  // adopt() files it here under `to`, reached through `link`, with its relay sockets on
  // `io`'s loop and a fresh mobility handle; when it has expired meanwhile, or cannot be
  // taken in, it ends here (its quota place given back) and the answer is null.
  std::unique_ptr<Allocation> release(Allocation& a, unsigned to_worker);
  Allocation* adopt(std::unique_ptr<Allocation> a, const FiveTuple& to, ClientLink link,
                    RelayIo& io, int64_t now_ms);
  unsigned worker() const { return worker_; }

  size_t size() const { return by_tuple_.size(); }
  void for_each(const std::function<void(const Allocation&)>& f) const;
  void for_each_mutable(const std::function<void(Allocation&)>& f);
  // With the kernel fast path: an allocation's channels leave its maps as it is erased.
  void set_offload(ChannelOffload* offload) { offload_ = offload; }
  // Refresh tells the fleet view (--redis-statsdb) too.
  void refreshed(const Allocation& a, int64_t lifetime_s);

 private:
  using Map = std::unordered_map<FiveTuple, std::unique_ptr<Allocation>, FiveTupleHash>;
  void erase(Map::iterator it, EndReason why);
  // What every allocation's end does but take it out of the maps: offload, log, quota,
  // counters, statsdb.
  void end(Allocation& a, EndReason why);
  // The line of a move, within this worker or to it from `from`.
  void log_moved(const Allocation& a, const FiveTuple& from) const;

  Quotas& quotas_;
  WorkerCounters& counters_;
  unsigned worker_;
  StatsPublisher* stats_;
  Logger* log_;
  uint64_t next_sequence_;
  ChannelOffload* offload_ = nullptr;
  Map by_tuple_;
  std::unordered_map<uint64_t, FiveTuple> mobile_;  // handle → 5-tuple, mobile ones only
};

}  // namespace tern
