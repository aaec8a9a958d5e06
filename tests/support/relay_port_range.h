#pragma once
// A small relay port range (--min-port/--max-port) for tests that exhaust or reuse ports,
// or that must keep their relays away from everyone else's, checked free on the loopback
// addresses and held against the other test processes that ctest runs at the same time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::test {

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  // {"--min-port", first, "--max-port", last}
  std::vector<std::string> args() const;

  // The range's lock files, shared by copies: no other test process is handed a range
  // that overlaps this one until the last copy is gone. Keep it while the ports are used.
  std::shared_ptr<const void> hold;
};

// Where a range is picked from (inclusive).
struct PortWindow {
  uint16_t lowest = 0;
  uint16_t highest = 0;
};

// Above the kernel's ephemeral range (32768-60999 on Linux), so an unrelated socket is
// unlikely to take one of the ports mid-test. The ternd of a test that names no range
// relays below it (kSharedRelayPorts), so only held ranges are ever used up here.
inline constexpr PortWindow kAboveEphemeralPorts{61000, 65535};
// ternd's default relay range (49152-65535) without kAboveEphemeralPorts: what
// TerndProcess passes when a test gives no --min-port/--max-port.
inline constexpr PortWindow kSharedRelayPorts{49152, 60999};

// `count` consecutive ports free for UDP on 127.0.0.1, 127.0.0.2 (tests relay from both)
// and ::1 when available, at random within `window`, and not held by another PortRange
// of any process; nullopt when none was found within `patience` (other processes hold
// ranges for a test's length, so a large one may have to wait).
std::optional<PortRange> free_udp_port_range(
    uint16_t count, PortWindow window = kAboveEphemeralPorts,
    std::chrono::milliseconds patience = std::chrono::seconds(30));

// `count` ports from an even first port (EVEN-PORT takes even/odd pairs), held like the
// PortRange it comes from; a test failure and base 0 when none was found.
struct EvenPortRange {
  PortRange held;
  uint16_t base = 0;
};
EvenPortRange free_even_udp_port_range(uint32_t count);

}  // namespace tern::test
