#include "tests/interop/relay_window.h"

#include <openssl/rand.h>
#include <sys/socket.h>

#include "tests/support/loopback.h"
#include "tests/support/unique_fd.h"

namespace tern::test {
namespace {

constexpr uint16_t kLowest = 20000;
constexpr uint16_t kHighest = 32767;
constexpr int kTries = 64;

bool udp_free(IpVersion v, uint16_t port) {
  UniqueFd fd(socket(address_family(v), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  SockAddr sa = to_sockaddr(loopback(v, port));
  return bind(fd.get(), sa.get(), sa.length) == 0;
}

}  // namespace

std::optional<PortRange> quiet_relay_window(uint16_t count) {
  if (count == 0 || count > kHighest - kLowest) return std::nullopt;
  const bool ipv6 = ipv6_loopback_available();
  const unsigned span = kHighest - kLowest + 1u - count;
  for (int i = 0; i < kTries; ++i) {
    uint32_t r = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) r = 7919u * (i + 1);
    const auto first = static_cast<uint16_t>(kLowest + r % span);
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
