#pragma once
// How many lines of one kind (a failed login, a refused peer) the log takes, so a flood
// cannot fill a disk: each source IP gets `per_source` lines a minute and all sources
// together `per_minute`; what a minute did not log is handed back to be said as one
// "suppressed N similar" line, when the source comes back after its minute or, if it
// stopped, by ended() from the main thread's tick. Shared by every worker: deciding is
// atomic words in a keyed-hash table, no lock; a mutex is taken once per source per
// minute, when it goes over its budget.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/transport_address.h"

namespace tern {

class SourceLineBudget {
 public:
  static constexpr size_t kSlots = 1024;
  static constexpr uint32_t kWindowS = 60;

  SourceLineBudget(uint32_t per_source, uint32_t per_minute);

  struct Take {
    bool log = false;                // write this line
    uint64_t suppressed_source = 0;  // not logged in this source's minute before
    uint64_t suppressed_all = 0;     // not logged in all sources' minute before
  };
  Take take(const TransportAddress& source, uint32_t now_s);
  // From the global budget only (a line said once per event, not per attempt).
  Take take_global(uint32_t now_s);

  struct Ended {
    std::string source;  // the IP
    uint64_t suppressed;
  };
  // The sources whose minute over budget has ended with no line from them since; each
  // is handed back once.
  std::vector<Ended> ended(uint32_t now_s);

 private:
  static bool take_from(std::atomic<uint64_t>& slot, uint32_t limit, uint32_t now_s,
                        uint64_t& suppressed, uint32_t& taken);
  size_t index(const TransportAddress& source) const;

  struct Over {
    size_t slot;
    uint32_t start_s;
    std::string source;
  };

  uint32_t per_source_, per_minute_;
  uint64_t hash_key_ = 0;
  std::atomic<uint64_t> global_{0};
  std::array<std::atomic<uint64_t>, kSlots> slots_{};
  std::mutex over_mutex_;
  std::vector<Over> over_;  // at most kSlots
};

}  // namespace tern
