#include "server/shared/source_line_budget.h"

#include <openssl/rand.h>

#include <vector>

namespace tern {

namespace {

uint64_t pack(uint32_t start_s, uint32_t count) {
  return (uint64_t{start_s} << 32) | count;
}
uint32_t start_of(uint64_t e) {
  return static_cast<uint32_t>(e >> 32);
}
uint32_t count_of(uint64_t e) {
  return static_cast<uint32_t>(e);
}

}  // namespace

SourceLineBudget::SourceLineBudget(uint32_t per_source, uint32_t per_minute)
    : per_source_(per_source), per_minute_(per_minute) {
  RAND_bytes(reinterpret_cast<unsigned char*>(&hash_key_), sizeof hash_key_);
}

size_t SourceLineBudget::index(const TransportAddress& source) const {
  uint64_t h = hash_key_ ^ 0x9E3779B97F4A7C15ull;
  for (uint8_t b : source.ip_bytes()) {
    h = (h ^ b) * 0x100000001B3ull;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h % kSlots);
}

bool SourceLineBudget::take_from(std::atomic<uint64_t>& slot, uint32_t limit, uint32_t now_s,
                                 uint64_t& suppressed, uint32_t& taken) {
  uint64_t e = slot.load(std::memory_order_relaxed);
  for (;;) {
    const uint32_t start = start_of(e);
    const uint32_t count = count_of(e);
    const bool fresh = e == 0 || now_s - start >= kWindowS;
    taken = fresh ? 1 : (count == UINT32_MAX ? count : count + 1);
    if (slot.compare_exchange_weak(e, pack(fresh ? now_s : start, taken),
                                   std::memory_order_relaxed)) {
      suppressed = fresh && count > limit ? count - limit : 0;
      return taken <= limit;
    }
  }
}

SourceLineBudget::Take SourceLineBudget::take(const TransportAddress& source, uint32_t now_s) {
  Take t;
  uint32_t taken = 0;
  const size_t slot = index(source);
  if (!take_from(slots_[slot], per_source_, now_s, t.suppressed_source, taken)) {
    if (taken == per_source_ + 1) {  // the first one over: ended() will say the rest
      const uint32_t start = start_of(slots_[slot].load(std::memory_order_relaxed));
      std::lock_guard lock(over_mutex_);
      if (over_.size() < kSlots) over_.push_back({slot, start, source.ip_string()});
    }
    return t;
  }
  t.log = take_from(global_, per_minute_, now_s, t.suppressed_all, taken);
  return t;
}

SourceLineBudget::Take SourceLineBudget::take_global(uint32_t now_s) {
  Take t;
  uint32_t taken = 0;
  t.log = take_from(global_, per_minute_, now_s, t.suppressed_all, taken);
  return t;
}

std::vector<SourceLineBudget::Ended> SourceLineBudget::ended(uint32_t now_s) {
  std::vector<Over> done;
  {
    std::lock_guard lock(over_mutex_);
    std::erase_if(over_, [&](const Over& o) {
      if (now_s - o.start_s < kWindowS) return false;
      done.push_back(o);
      return true;
    });
  }
  std::vector<Ended> out;
  for (const Over& o : done) {
    // Closes the minute unless a new line did (then that line said the count).
    uint64_t e = slots_[o.slot].load(std::memory_order_relaxed);
    while (e != 0 && start_of(e) == o.start_s &&
           !slots_[o.slot].compare_exchange_weak(e, 0, std::memory_order_relaxed)) {
    }
    if (e == 0 || start_of(e) != o.start_s || count_of(e) <= per_source_) continue;
    out.push_back({o.source, count_of(e) - per_source_});
  }
  return out;
}

}  // namespace tern
