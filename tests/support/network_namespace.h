#pragma once
// A network namespace of the test's own, for tests that need addresses or ports no other
// test may touch (RFC 5780's two listening IPs and their alternate ports).

#include <optional>
#include <string>

namespace tern::test {

// Moves the calling thread, and every process it starts from then on, into a new network
// namespace whose loopback is up (127.0.0.0/8 and ::1), and nothing else. Needs
// CAP_SYS_ADMIN and CAP_NET_ADMIN: the error says what failed, for GTEST_SKIP. ctest runs
// each test in a process of its own, so nothing else ever runs in the old namespace's
// place; the namespace goes with the process.
std::optional<std::string> enter_own_network_namespace();

}  // namespace tern::test
