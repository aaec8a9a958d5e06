#include "server/turn/allocation_table.h"

#include <algorithm>
#include <ctime>

#include "base/log.h"
#include "base/log_fields.h"
#include "server/shared/stats_publisher.h"
#include "server/turn/offload_traffic.h"
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

std::string relayed_addresses(const Allocation& a) {
  std::string out;
  for (const auto& relay : a.relays()) {
    if (!out.empty()) out += ',';
    out += relay->advertised().to_string();
  }
  return out.empty() ? "-" : out;
}

}  // namespace

const char* to_string(EndReason r) {
  switch (r) {
    case EndReason::Expired:
      return "expired";
    case EndReason::Refresh0:
      return "refresh-0";
    case EndReason::Killed:
      return "killed";
    case EndReason::StreamClosed:
      return "stream-closed";
    case EndReason::Shutdown:
      return "shutdown";
    case EndReason::MoveFailed:
      return "move-failed";
  }
  return "?";
}

AllocationTable::~AllocationTable() {
  while (!by_tuple_.empty()) erase(by_tuple_.begin(), EndReason::Shutdown);
}

Allocation* AllocationTable::find(const FiveTuple& tuple, int64_t now_ms) {
  auto it = by_tuple_.find(tuple);
  if (it == by_tuple_.end()) return nullptr;
  if (it->second->expired(now_ms)) {
    counters_.allocations_expired.add();
    erase(it, EndReason::Expired);
    return nullptr;
  }
  return it->second.get();
}

Allocation& AllocationTable::insert(std::unique_ptr<Allocation> a, std::string_view realm) {
  counters_.allocations_created.add();
  a->set_identity({worker_, next_sequence_++}, std::time(nullptr), steady_ms());
  auto [it, _] = by_tuple_.insert_or_assign(a->tuple(), std::move(a));
  Allocation& made = *it->second;
  made.set_mobility_handle(made.id().sequence);
  if (made.mobile()) mobile_.insert_or_assign(made.mobility_handle(), made.tuple());
  if (!stats_ && !(log_ && log_->enabled(LogLevel::Info))) return made;
  const int64_t lifetime_s = (made.expires_ms() - steady_ms() + 500) / 1000;
  if (stats_) {
    stats_->allocation_changed(stats_event(made, StatsPublisher::Status::New, lifetime_s));
  }
  if (log_) {
    log_->info(
        "allocation created session={} user={} realm={} client={} transport={} relayed={} "
        "lifetime={}",
        made.id().to_string(), log_quoted(made.username()), log_quoted(realm),
        made.tuple().client.to_string(), to_string(made.tuple().transport), relayed_addresses(made),
        lifetime_s);
  }
  return made;
}

Allocation* AllocationTable::find_mobile(uint64_t handle, int64_t now_ms) {
  auto it = mobile_.find(handle);
  return it == mobile_.end() ? nullptr : find(it->second, now_ms);
}

void AllocationTable::move(Allocation& a, const FiveTuple& to, ClientLink link) {
  const FiveTuple from = a.tuple();
  if (by_tuple_.contains(to)) return;
  auto node = by_tuple_.extract(from);
  if (node.empty()) return;
  node.key() = to;
  node.mapped()->move_to(to, link);
  by_tuple_.insert(std::move(node));
  mobile_.insert_or_assign(a.mobility_handle(), to);
  log_moved(a, from);
}

std::unique_ptr<Allocation> AllocationTable::release(Allocation& a, unsigned to_worker) {
  // The kernel's entries are counted to this worker, as everything it relayed so far.
  if (offload_ && !a.offloaded.empty()) end_offload(*offload_, a, counters_);
  auto node = by_tuple_.extract(a.tuple());
  if (node.empty()) return nullptr;
  mobile_.erase(a.mobility_handle());
  a.detach_relays();
  if (log_) {
    log_->info("allocation handed over session={} user={} client={} worker={} to_worker={}",
               a.id().to_string(), log_quoted(a.username()), a.tuple().client.to_string(), worker_,
               to_worker);
  }
  return std::move(node.mapped());
}

Allocation* AllocationTable::adopt(std::unique_ptr<Allocation> a, const FiveTuple& to,
                                   ClientLink link, RelayIo& io, int64_t now_ms) {
  const FiveTuple from = a->tuple();
  if (a->expired(now_ms)) {
    counters_.allocations_expired.add();
    end(*a, EndReason::Expired);
    return nullptr;
  }
  if (by_tuple_.contains(to) || !a->attach_relays(io)) {
    end(*a, EndReason::MoveFailed);
    return nullptr;
  }
  a->move_to(to, link);
  a->set_mobility_handle(next_sequence_++);
  mobile_.insert_or_assign(a->mobility_handle(), to);
  auto [it, _] = by_tuple_.insert_or_assign(to, std::move(a));
  Allocation& moved = *it->second;
  log_moved(moved, from);
  return &moved;
}

void AllocationTable::log_moved(const Allocation& a, const FiveTuple& from) const {
  if (!log_) return;
  // A handover whose asking worker was gone comes back to where it was: not a move.
  if (from == a.tuple()) {
    log_->info(
        "allocation stays session={} user={} client={} worker={} (the worker it was to "
        "move to is shutting down)",
        a.id().to_string(), log_quoted(a.username()), from.client.to_string(), worker_);
    return;
  }
  log_->info("allocation moved session={} user={} client={} from={} transport={} worker={}",
             a.id().to_string(), log_quoted(a.username()), a.tuple().client.to_string(),
             from.client.to_string(), to_string(a.tuple().transport), worker_);
}

void AllocationTable::refreshed(const Allocation& a, int64_t lifetime_s) {
  if (stats_)
    stats_->allocation_changed(stats_event(a, StatsPublisher::Status::Refreshed, lifetime_s));
}

void AllocationTable::remove(const FiveTuple& tuple, EndReason why) {
  auto it = by_tuple_.find(tuple);
  if (it != by_tuple_.end()) erase(it, why);
}

size_t AllocationTable::remove_if(const std::function<bool(const Allocation&)>& doomed) {
  size_t removed = 0;
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();) {
    auto next = std::next(it);
    if (doomed(*it->second)) {
      erase(it, EndReason::Killed);
      ++removed;
    }
    it = next;
  }
  return removed;
}

std::vector<ClientStream*> AllocationTable::sweep(int64_t now_ms,
                                                  const std::function<void(Allocation&)>& live) {
  std::vector<ClientStream*> lapsed;
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();) {
    if (it->second->expired(now_ms)) {
      counters_.allocations_expired.add();
      if (ClientStream* s = it->second->client_link.stream) lapsed.push_back(s);
      auto next = std::next(it);
      erase(it, EndReason::Expired);
      it = next;
    } else {
      it->second->sweep(now_ms);
      if (live) live(*it->second);
      ++it;
    }
  }
  return lapsed;
}

void AllocationTable::for_each(const std::function<void(const Allocation&)>& f) const {
  for (const auto& [_, a] : by_tuple_) f(*a);
}

void AllocationTable::for_each_mutable(const std::function<void(Allocation&)>& f) {
  for (auto& [_, a] : by_tuple_) f(*a);
}

void AllocationTable::erase(Map::iterator it, EndReason why) {
  end(*it->second, why);
  if (it->second->mobile()) mobile_.erase(it->second->mobility_handle());
  by_tuple_.erase(it);  // closes the relay sockets and returns their ports
}

void AllocationTable::end(Allocation& a, EndReason why) {
  // First, so the log line and the statsdb see the kernel's traffic too.
  if (offload_ && !a.offloaded.empty()) end_offload(*offload_, a, counters_);
  a.collect_tcp_traffic();  // its last bytes count in the log line and statsdb
  if (log_) {
    const TrafficCounters& t = a.traffic;
    log_->info(
        "allocation deleted session={} user={} client={} transport={} reason={} duration={} "
        "packets_to_peer={} bytes_to_peer={} packets_to_client={} bytes_to_client={}",
        a.id().to_string(), log_quoted(a.username()), a.tuple().client.to_string(),
        to_string(a.tuple().transport), to_string(why), std::time(nullptr) - a.created_unix(),
        t.packets_to_peer, t.bytes_to_peer, t.packets_to_client, t.bytes_to_client);
  }
  quotas_.release(a.username());
  counters_.allocations_deleted.add();
  counters_.allocation_duration_ms.observe(
      static_cast<uint64_t>(std::max<int64_t>(steady_ms() - a.created_ms(), 0)));
  if (stats_) stats_->allocation_changed(stats_event(a, StatsPublisher::Status::Deleted, 0));
}

}  // namespace tern
