#pragma once
// The sockets of a listen plan, bound but not yet watched by any loop. A reload binds
// every worker's share of what it adds on the main thread first, so that one address in
// use refuses the whole reload while no worker has changed; then each worker adopts its
// share (Worker::adopt). Startup takes the same path.

#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/config/listen_plan.h"

namespace tern {

enum class ListenerKind : uint8_t { Udp, Tcp, Tls, TcpProxy, TlsProxy, Dtls };

struct BoundSocket {
  ListenerKind kind;
  TransportAddress address;  // as planned (the port may be 0)
  FileDescriptor fd;
};

// Every address of `plan` bound (SO_REUSEPORT, as every worker binds its own); the error
// names the address and the kernel's reason, and nothing stays bound.
Result<std::vector<BoundSocket>, std::string> bind_plan(const ListenPlan& plan);

// What `a` lists and `b` does not, kind by kind; the trust lists are `a`'s.
ListenPlan plan_minus(const ListenPlan& a, const ListenPlan& b);
bool plan_empty(const ListenPlan& plan);

// Each (kind, address) of `plan`, for the log: "UDP 127.0.0.1:3478".
std::vector<std::pair<ListenerKind, TransportAddress>> plan_entries(const ListenPlan& plan);
std::string_view kind_name(ListenerKind kind);

}  // namespace tern
