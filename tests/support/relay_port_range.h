#pragma once
// A small relay port range (--min-port/--max-port) for tests that exhaust or reuse ports.
// Picked above the kernel's ephemeral range (32768-60999 on Linux), so an unrelated
// socket is unlikely to take one mid-test, and checked free on the loopback addresses.

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

// `count` consecutive ports free for UDP on 127.0.0.1 (and ::1 when available); nullopt
// when many random tries found none.
std::optional<PortRange> free_udp_port_range(uint16_t count);

}  // namespace tern::test
