#pragma once
// The relay port window (--min-port/--max-port) of a ternd under uclient, away from every
// other user of ports on this machine: below the kernel's ephemeral range (32768-60999),
// where no client socket lands, and below the default relay range (49152-65535), where the
// ternds of other tests (a load test holds thousands) take theirs. A uclient run needs a
// free even/odd pair per RTP/RTCP leg, and ternd gives up (508) after 16 taken ports in a
// row, so on a crowded default range these tests failed for reasons not their own.

#include "tests/support/relay_port_range.h"

namespace tern::test {

// Pick a range with free_udp_port_range(count, kQuietRelayWindow).
inline constexpr PortWindow kQuietRelayWindow{20000, 32767};

}  // namespace tern::test
