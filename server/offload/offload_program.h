#pragma once
// ChannelOffload's private state, where libbpf is known: the TC program's skeleton, its
// attachments, and the XDP program of --offload=xdp. For this folder's files only; empty
// in a build without the BPF programs.

#if TERN_HAVE_OFFLOAD

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/log.h"
#include "channel_relay.skel.h"
#include "channel_relay_xdp.skel.h"
#include "server/offload/link_watch.h"

namespace tern {

// How long the program keeps relaying after ternd last renewed its lease (about once a
// second, from the main thread's loop): past it, a ternd that died or hangs leaves every
// packet to user space.
constexpr uint64_t kLeaseNs = 5'000'000'000;
constexpr timeval kLeaseRenewal{1, 0};

struct SkeletonDeleter {
  void operator()(channel_relay* s) const { channel_relay__destroy(s); }
  void operator()(channel_relay_xdp* s) const { channel_relay_xdp__destroy(s); }
};

// The program on one interface's TC ingress, for as long as this lives. Through a tcx
// link (Linux ≥ 6.6), which the kernel takes away when the last fd of it closes, so a
// ternd that is killed leaves nothing; else a clsact filter, which outlives a killed
// ternd (the lease then keeps it from relaying) and which this removes. The clsact
// qdisc a first filter makes stays: other filters (another ternd's) may have joined it.
// With --offload=xdp, also the XDP program's link on the interface where it took it, so
// an interface that goes takes both with its record.
class Attachment {
 public:
  Attachment(int ifindex, std::string name, FileDescriptor link)
      : ifindex_(ifindex), name_(std::move(name)), link_(std::move(link)) {}
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  ~Attachment();
  int ifindex() const { return ifindex_; }
  const std::string& name() const { return name_; }
  void rename(std::string name) { name_ = std::move(name); }
  bool straight = false;  // a veth to another namespace, in tern_peer_links
  bool has_xdp() const { return xdp_link_.valid(); }
  void hold_xdp(FileDescriptor link) { xdp_link_ = std::move(link); }

 private:
  int ifindex_;
  std::string name_;
  FileDescriptor link_;
  FileDescriptor xdp_link_;  // closing it takes the XDP program off the interface
};

inline std::string join(const std::vector<std::string>& list) {
  std::string joined;
  for (const auto& n : list) joined += (joined.empty() ? "" : ",") + n;
  return joined;
}

struct OffloadProgram {
  std::unique_ptr<channel_relay, SkeletonDeleter> skel;
  Logger* log = nullptr;
  bool tcx = true;  // until the kernel refuses a tcx link, or the tests ask for clsact
  // --offload=xdp: the XDP program on the TC program's maps; null where it did not load.
  // Before the attachments, which hold its links and so go first.
  std::unique_ptr<channel_relay_xdp, SkeletonDeleter> xdp;
  std::vector<std::unique_ptr<Attachment>> attached;
  std::vector<int> refused;  // new interfaces that refused it: said once, not per change
  int cpus = 1;
  // Bumped on the main loop when a route, a rule or a link changes (LinkWatch); the
  // workers re-ask the kernel for the interfaces of the channels they put in before
  // (ChannelOffload::relink, on their sweep).
  std::atomic<uint64_t> route_generation{0};
  // Last: destroyed first, since their callbacks use the rest.
  EventPtr lease_timer;
  std::unique_ptr<LinkWatch> links;

  int prog_fd() const { return bpf_program__fd(skel->progs.tern_channel_relay); }

  // tc_attach.cpp: the lease and the TC program's attachments.
  void renew_lease();
  int attach_tcx(int ifindex) const;
  int attach_clsact(int ifindex) const;
  Attachment* find(int ifindex);
  int attach(int ifindex, const std::string& name, bool straight);
  void set_straight(Attachment& a, bool straight);

  // interface_changes.cpp: following the interfaces that come and go.
  void forget(int ifindex);
  void forget_ways_out(int ifindex);
  void changed(const LinkMessage& link);
  void took_new(Attachment& a);
  void rescan();
  static void on_lease_timer(evutil_socket_t, short, void* self);

  // xdp_attach.cpp: --offload=xdp.
  std::optional<int> attach_xdp(Attachment& a);
  void forget_xdp(int ifindex);
};

// interface_changes.cpp: the interfaces the kernel lists now, each as a link notification
// would say it (up; a veth to another namespace marked so): what start() and rescan()
// walk.
std::vector<LinkMessage> present_links();

// xdp_attach.cpp: --offload=xdp, once the TC program is attached: the XDP program ahead of
// it on every Ethernet interface the TC program is on whose driver has XDP.
void start_xdp(OffloadProgram& program, Logger& log);

}  // namespace tern

#endif
