#include "base/interfaces.h"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <memory>

#include "base/socket_address.h"

namespace tern {

std::vector<TransportAddress> local_interface_addresses() {
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return {};
  std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> list(raw, ::freeifaddrs);
  std::vector<TransportAddress> out;
  for (const ifaddrs* i = raw; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    auto a = from_sockaddr(i->ifa_addr);
    if (!a) continue;
    if (a->family == Family::V6 && a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80) continue;
    if (std::ranges::find(out, *a) == out.end()) out.push_back(*a);
  }
  return out;
}

}  // namespace tern
