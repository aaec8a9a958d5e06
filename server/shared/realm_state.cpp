#include "server/shared/realm_state.h"

namespace tern {

RealmState::RealmState(PeerPolicy policy, uint64_t max_bps)
    : cell_(std::make_shared<const RealmSnapshot>(RealmSnapshot{1, std::move(policy), max_bps})),
      generation_(1) {}

void RealmState::publish(PeerPolicy policy, uint64_t max_bps) {
  const uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
  cell_.set(
      std::make_shared<const RealmSnapshot>(RealmSnapshot{generation, std::move(policy), max_bps}));
  // After the swap: a worker that sees the new number finds the new snapshot.
  generation_.store(generation, std::memory_order_release);
}

}  // namespace tern
