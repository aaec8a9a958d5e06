// ChannelOffload::follow: on the main thread's loop, the lease's renewal and the link
// watcher's glue, which puts the TC program (and with --offload=xdp the XDP program) on
// interfaces that appear and forgets those that go.
#include "server/offload/offload_program.h"

#if TERN_HAVE_OFFLOAD

#include <net/if.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "server/offload/channel_offload.h"
#include "server/offload/peer_link.h"

namespace tern {

// A link went (deleted, or moved to another namespace): its attachment went with it
// in the kernel; so do ternd's records, and the ways out the program learned through it,
// which a new link could take the ifindex of.
void OffloadProgram::forget(int ifindex) {
  std::erase(refused, ifindex);
  Attachment* a = find(ifindex);
  if (!a) return;
  set_straight(*a, false);
  log->info("kernel offload: {} is gone", a->name());
  std::erase_if(attached, [&](const auto& held) { return held.get() == a; });
  forget_xdp(ifindex);
  forget_ways_out(ifindex);
}

// The ways out (tern_way_out) through `ifindex`: the program learns them again from the
// next packet of the other side.
void OffloadProgram::forget_ways_out(int ifindex) {
  const int ways = bpf_map__fd(skel->maps.tern_way_out);
  // The value's first field is the ifindex (struct way_out in the program).
  std::vector<uint8_t> value(bpf_map__value_size(skel->maps.tern_way_out));
  std::array<uint8_t, 16> key{}, next{};  // an address
  if (value.size() < sizeof(uint32_t) || bpf_map__key_size(skel->maps.tern_way_out) != key.size()) {
    return;
  }
  std::vector<std::array<uint8_t, 16>> stale;
  for (const uint8_t* from = nullptr; bpf_map_get_next_key(ways, from, next.data()) == 0;
       from = key.data()) {
    key = next;
    uint32_t via = 0;
    if (bpf_map_lookup_elem(ways, key.data(), value.data()) != 0) continue;
    std::memcpy(&via, value.data(), sizeof(via));
    if (static_cast<int>(via) == ifindex) stale.push_back(key);
  }
  for (const auto& k : stale) bpf_map_delete_elem(ways, k.data());
}

// A link appeared, came up, was renamed or changed its other end's namespace.
void OffloadProgram::changed(const LinkMessage& link) {
  if (Attachment* a = find(link.ifindex)) {
    if (!link.name.empty()) a->rename(link.name);
    set_straight(*a, is_straight_link(link));
    return;
  }
  if (!link.up || link.name.empty()) return;
  if (std::find(refused.begin(), refused.end(), link.ifindex) != refused.end()) return;
  const bool straight = is_straight_link(link);
  if (int err = attach(link.ifindex, link.name, straight)) {
    refused.push_back(link.ifindex);
    log->warning("kernel offload: new interface {} refuses the TC program ({})", link.name,
                 std::strerror(-err));
    return;
  }
  took_new(*attached.back());
}

// A new interface took the TC program: the XDP program too, where it runs (as start_xdp
// puts it on those of startup), and one line of what the interface got.
void OffloadProgram::took_new(Attachment& a) {
  const char* straight = a.straight ? " (straight to the other namespace)" : "";
  const std::optional<int> xdp = attach_xdp(a);
  if (xdp && *xdp == 0) {
    log->info("kernel offload: new interface {} relayed by XDP in driver mode, ahead of TC{}",
              a.name(), straight);
  } else if (xdp) {
    log->warning("kernel offload: new interface {} relayed by TC{}; XDP refused ({})", a.name(),
                 straight, std::strerror(-*xdp));
  } else {
    log->info("kernel offload: new interface {} relayed by TC{}", a.name(), straight);
  }
}

std::vector<LinkMessage> present_links() {
  std::vector<LinkMessage> links;
  if (struct if_nameindex* list = if_nameindex()) {
    for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
      LinkMessage& link = links.emplace_back();
      link.ifindex = static_cast<int>(i->if_index);
      link.name = i->if_name;
      link.up = true;
      link.veth = link.other_namespace = crosses_namespaces(link.ifindex);
    }
    if_freenameindex(list);
  }
  return links;
}

// What the kernel lists now against what ternd holds: at start, after the watch
// subscribed (a link made in between), and when notifications were lost.
void OffloadProgram::rescan() {
  std::vector<int> present;
  for (const LinkMessage& link : present_links()) {
    present.push_back(link.ifindex);
    if (!find(link.ifindex)) changed(link);
  }
  std::vector<int> gone;
  for (const auto& a : attached) {
    if (std::find(present.begin(), present.end(), a->ifindex()) == present.end())
      gone.push_back(a->ifindex());
  }
  for (int ifindex : gone) forget(ifindex);
}

void OffloadProgram::on_lease_timer(evutil_socket_t, short, void* self) {
  static_cast<OffloadProgram*>(self)->renew_lease();
}

void ChannelOffload::follow(event_base* main) {
  Program& p = *program_;
  p.lease_timer.reset(event_new(main, -1, EV_PERSIST, &Program::on_lease_timer, &p));
  if (p.lease_timer) event_add(p.lease_timer.get(), &kLeaseRenewal);
  p.links = LinkWatch::create(main, {.changed = [&p](const LinkMessage& link) { p.changed(link); },
                                     .gone = [&p](int ifindex) { p.forget(ifindex); },
                                     .lost = [&p] { p.rescan(); },
                                     .routes = [&p] { ++p.route_generation; }});
  if (!p.links) {
    p.log->warning(
        "kernel offload: cannot follow new interfaces or route changes (no rtnetlink socket: "
        "{}); the program stays on the interfaces of startup, each channel on the routes it "
        "went in with",
        std::strerror(errno));
  }
  p.rescan();
}

}  // namespace tern

#endif
