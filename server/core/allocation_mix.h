#pragma once
// Live allocations by the client's transport and address family, for the tern_allocations
// gauge: a fixed table, so no label grows with users or addresses.

#include <array>
#include <cstddef>
#include <cstdint>

#include "protocol/transport_address.h"
#include "server/core/request_context.h"

namespace tern {

struct AllocationMix {
  std::array<std::array<uint64_t, 2>, 4> n{};  // [Transport][0 for IPv4, 1 for IPv6]

  void add(Transport t, Family f, uint64_t count = 1) {
    n[static_cast<size_t>(t)][f == Family::V6 ? 1 : 0] += count;
  }
  uint64_t get(Transport t, Family f) const {
    return n[static_cast<size_t>(t)][f == Family::V6 ? 1 : 0];
  }
  uint64_t total() const {
    uint64_t sum = 0;
    for (const auto& by_family : n) sum += by_family[0] + by_family[1];
    return sum;
  }
  AllocationMix& operator+=(const AllocationMix& o) {
    for (size_t t = 0; t < n.size(); ++t) {
      for (size_t f = 0; f < 2; ++f) n[t][f] += o.n[t][f];
    }
    return *this;
  }
};

}  // namespace tern
