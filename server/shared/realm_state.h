#pragma once
// The realm's live peer policy and bandwidth cap: the configuration plus what the stores
// add (RealmLimits), rebuilt on the main thread when a store changes and read by every
// worker on the packet path.
//
// Workers never lock per packet: each keeps a RealmView, which compares one atomic
// generation with its cached snapshot's and takes the mutex only after a change. Each
// allocation records the generation it was last judged under (Allocation::sync_realm).

#include <atomic>
#include <cstdint>
#include <memory>

#include "auth/snapshot_cell.h"
#include "server/shared/peer_policy.h"

namespace tern {

struct RealmSnapshot {
  uint64_t generation;
  PeerPolicy policy;
  uint64_t max_bps;  // per allocation and direction; 0 = unlimited
};

class RealmState {
 public:
  // Generation 1.
  RealmState(PeerPolicy policy, uint64_t max_bps);

  // Main thread only (one publisher): replaces the snapshot under the next generation.
  // Workers pick it up on their next packet; a snapshot in use stays alive until they let
  // go of it.
  void publish(PeerPolicy policy, uint64_t max_bps);

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const RealmSnapshot> snapshot() const { return cell_.get(); }

 private:
  auth::SnapshotCell<RealmSnapshot> cell_;
  std::atomic<uint64_t> generation_;
};

// One worker's cached snapshot.
class RealmView {
 public:
  const RealmSnapshot& current(const RealmState& state) {
    if (!cached_ || state.generation() != cached_->generation) cached_ = state.snapshot();
    return *cached_;
  }

 private:
  std::shared_ptr<const RealmSnapshot> cached_;
};

}  // namespace tern
