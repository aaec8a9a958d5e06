#pragma once
// A relay port window (--min-port/--max-port) for one ternd under test, away from every
// other user of ports on this machine: below the kernel's ephemeral range (32768-60999),
// where no client socket lands, and below the default relay range (49152-65535), where the
// ternds of other tests (a load test holds thousands) take theirs. A uclient run needs a
// free even/odd pair per RTP/RTCP leg, and ternd gives up (508) after 16 taken ports in a
// row, so on a crowded default range these tests failed for reasons not their own.

#include <cstdint>
#include <optional>

#include "tests/support/relay_port_range.h"

namespace tern::test {

// `count` consecutive ports free for UDP on 127.0.0.1 (and ::1 when available), in
// 20000-32767; nullopt when many random tries found none.
std::optional<PortRange> quiet_relay_window(uint16_t count);

}  // namespace tern::test
