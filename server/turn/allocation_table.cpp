#include "server/turn/allocation_table.h"

#include <ctime>

#include "server/shared/stats_publisher.h"
#include "server/turn/relay_socket.h"

namespace tern {
namespace {

StatsPublisher::Event stats_event(const Allocation& a, StatsPublisher::Status status,
                                  int64_t lifetime_s) {
  return {status,
          a.username(),
          a.id().to_string(),
          lifetime_s,
          a.traffic.packets_to_peer,
          a.traffic.bytes_to_peer,
          a.traffic.packets_to_client,
          a.traffic.bytes_to_client};
}

}  // namespace

AllocationTable::~AllocationTable() {
  while (!by_tuple_.empty()) erase(by_tuple_.begin());
}

Allocation* AllocationTable::find(const FiveTuple& tuple, int64_t now_ms) {
  auto it = by_tuple_.find(tuple);
  if (it == by_tuple_.end()) return nullptr;
  if (it->second->expired(now_ms)) {
    counters_.allocations_expired.add();
    erase(it);
    return nullptr;
  }
  return it->second.get();
}

Allocation& AllocationTable::insert(std::unique_ptr<Allocation> a) {
  counters_.allocations_created.add();
  a->set_identity({worker_, next_sequence_++}, std::time(nullptr));
  auto [it, _] = by_tuple_.insert_or_assign(a->tuple(), std::move(a));
  Allocation& made = *it->second;
  if (stats_) {
    const int64_t lifetime_s = (made.expires_ms() - steady_ms() + 500) / 1000;
    stats_->allocation_changed(stats_event(made, StatsPublisher::Status::New, lifetime_s));
  }
  return made;
}

void AllocationTable::refreshed(const Allocation& a, int64_t lifetime_s) {
  if (stats_)
    stats_->allocation_changed(stats_event(a, StatsPublisher::Status::Refreshed, lifetime_s));
}

void AllocationTable::remove(const FiveTuple& tuple) {
  auto it = by_tuple_.find(tuple);
  if (it != by_tuple_.end()) erase(it);
}

size_t AllocationTable::remove_if(const std::function<bool(const Allocation&)>& doomed) {
  size_t removed = 0;
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();) {
    auto next = std::next(it);
    if (doomed(*it->second)) {
      erase(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

std::vector<ClientStream*> AllocationTable::sweep(int64_t now_ms) {
  std::vector<ClientStream*> lapsed;
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();) {
    if (it->second->expired(now_ms)) {
      counters_.allocations_expired.add();
      if (ClientStream* s = it->second->client_link.stream) lapsed.push_back(s);
      auto next = std::next(it);
      erase(it);
      it = next;
    } else {
      it->second->sweep(now_ms);
      ++it;
    }
  }
  return lapsed;
}

void AllocationTable::for_each(const std::function<void(const Allocation&)>& f) const {
  for (const auto& [_, a] : by_tuple_) f(*a);
}

void AllocationTable::erase(Map::iterator it) {
  quotas_.release(it->second->username());
  counters_.allocations_deleted.add();
  if (stats_)
    stats_->allocation_changed(stats_event(*it->second, StatsPublisher::Status::Deleted, 0));
  by_tuple_.erase(it);  // closes the relay sockets and returns their ports
}

}  // namespace tern
