#pragma once
// Where a server listens, resolved from the config (see make_listen_plan in server.h).

#include <vector>

#include "base/ip_range.h"
#include "protocol/transport_address.h"

namespace tern {

struct ListenPlan {
  std::vector<TransportAddress> udp;
  std::vector<TransportAddress> tcp;
  std::vector<TransportAddress> tls;
  // Behind a load balancer: every connection starts with a PROXY protocol header.
  std::vector<TransportAddress> tcp_proxy, tls_proxy;
  std::vector<IpRange> proxy_trusted;      // empty: any source
  std::vector<IpRange> udp_proxy_trusted;  // empty: UDP takes no PROXY headers
};

}  // namespace tern
