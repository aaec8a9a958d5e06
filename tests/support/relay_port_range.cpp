#include "tests/support/relay_port_range.h"

#include <openssl/rand.h>
#include <sys/socket.h>

#include "server/file_descriptor.h"
#include "server/socket_address.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

constexpr int kTries = 64;

bool udp_free(IpVersion v, uint16_t port) {
  FileDescriptor fd(socket(address_family(v), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  SockAddr sa = to_sockaddr(loopback(v, port));
  return bind(fd.get(), sa.get(), sa.length) == 0;
}

}  // namespace

std::vector<std::string> PortRange::args() const {
  return {"--min-port", std::to_string(first), "--max-port", std::to_string(last)};
}

std::optional<PortRange> free_udp_port_range(uint16_t count, PortWindow window) {
  if (count == 0 || window.highest < window.lowest || count > window.highest - window.lowest + 1u) {
    return std::nullopt;
  }
  const bool ipv6 = ipv6_loopback_available();
  // How many first ports leave room for `count`.
  const unsigned starts = window.highest - window.lowest + 2u - count;
  for (int i = 0; i < kTries; ++i) {
    uint32_t r = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) r = 7919u * (i + 1);
    const auto first = static_cast<uint16_t>(window.lowest + r % starts);
    bool all_free = true;
    for (uint32_t p = first; all_free && p < first + count; ++p) {
      all_free = udp_free(IpVersion::V4, static_cast<uint16_t>(p)) &&
                 (!ipv6 || udp_free(IpVersion::V6, static_cast<uint16_t>(p)));
    }
    if (all_free) return PortRange{first, static_cast<uint16_t>(first + count - 1)};
  }
  return std::nullopt;
}

}  // namespace tern::test
