#pragma once
// Follows the links, routes and routing rules of ternd's network namespace (rtnetlink's
// notifications, one socket joined to their groups) on an event loop, so the fast path
// reaches interfaces made after startup (a container's veth, a VPN's device, a
// hot-plugged NIC) and relays a channel by the interfaces the kernel routes it by now.

#include <event2/event.h>

#include <functional>
#include <memory>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "server/offload/netlink.h"

namespace tern {

class LinkWatch {
 public:
  struct Handlers {
    std::function<void(const LinkMessage&)> changed;  // RTM_NEWLINK: made, up, renamed, moved
    std::function<void(int ifindex)> gone;            // RTM_DELLINK: deleted or moved away
    std::function<void()> lost;  // the socket overflowed: notifications were lost
    // A route or a rule was added, changed or deleted, or a link changed (which takes
    // routes with it: IPv4 says nothing of the routes a link down flushes), or news was
    // lost: which interface leads to an address may have changed. Once per batch read.
    std::function<void()> routes;
  };
  // Nullptr where the kernel gives no such socket.
  static std::unique_ptr<LinkWatch> create(event_base* base, Handlers handlers);
  LinkWatch(FileDescriptor fd, Handlers handlers) : fd_(std::move(fd)), on_(std::move(handlers)) {}

 private:
  static void readable(evutil_socket_t, short, void* self);
  void read();

  FileDescriptor fd_;  // before the event that watches it
  Handlers on_;
  EventPtr event_;
};

}  // namespace tern
