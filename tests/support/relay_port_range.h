#pragma once
// A small relay port range (--min-port/--max-port) for tests that exhaust or reuse ports,
// or that must keep their relays away from everyone else's, checked free on the loopback
// addresses.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::test {

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  // {"--min-port", first, "--max-port", last}
  std::vector<std::string> args() const;
};

// Where a range is picked from (inclusive).
struct PortWindow {
  uint16_t lowest = 0;
  uint16_t highest = 0;
};

// Above the kernel's ephemeral range (32768-60999 on Linux), so an unrelated socket is
// unlikely to take one of the ports mid-test.
inline constexpr PortWindow kAboveEphemeralPorts{61000, 65535};

// `count` consecutive ports free for UDP on 127.0.0.1 (and ::1 when available), at random
// within `window`; nullopt when many random tries found none.
std::optional<PortRange> free_udp_port_range(uint16_t count,
                                             PortWindow window = kAboveEphemeralPorts);

}  // namespace tern::test
