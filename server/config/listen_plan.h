#pragma once
// Where a server listens, resolved from the config (see make_listen_plan in server.h).

#include <vector>

#include "protocol/transport_address.h"

namespace tern {

struct ListenPlan {
  std::vector<TransportAddress> udp;
  std::vector<TransportAddress> tcp;
  std::vector<TransportAddress> tls;
};

}  // namespace tern
