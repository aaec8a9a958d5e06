#pragma once
// What coturn's turnutils_uclient printed, read back into values a test can assert on.
// Its output is a log, not an interface: the line shapes read here are those of coturn
// 4.6 (Debian bookworm's package), quoted next to each pattern in the .cpp, so a change
// of client version shows up as "line not found", never as a silent pass.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::test {

// One allocation uclient reported (run with -v).
struct UclientAllocation {
  std::string relay_ip;  // as printed: "127.0.0.1" or "::1"
  uint16_t relay_port = 0;
  // The Allocate asked for EVEN-PORT with the R bit and got a RESERVATION-TOKEN back:
  // the allocation uclient makes next (its RTCP leg) presents that token.
  bool reserved_next_port = false;
};

struct UclientReport {
  std::optional<uint64_t> lost;            // "Total lost packets N (...)"
  std::optional<uint64_t> sent, received;  // the final "tot_send_msgs=N, tot_recv_msgs=M"
  std::vector<UclientAllocation> allocations;
  std::vector<std::string> error_lines;  // lines saying error, except the ones below
};

struct UclientReadOptions {
  // uclient -S picks a random TLS version per connection attempt (1.0, 1.1, 1.2, ...) and
  // retries on failure; a server refusing the old ones (OpenSSL 3 does by default, as
  // coturn's own turnserver does) makes it print "tlsv1 alert protocol version" lines
  // that say nothing about the server. With this set, those lines are not errors.
  bool tls_version_probing = false;
};

UclientReport read_uclient_output(const std::string& output, UclientReadOptions options = {});

// RFC 8656 §7.2 / §14.6: an allocation that reserved the next port has an even port, and
// the allocation made with its token gets port + 1 on the same relay IP. nullopt when
// every reservation in the list holds; else what broke, for the failure message.
std::optional<std::string> even_port_pair_violation(
    const std::vector<UclientAllocation>& allocations);

}  // namespace tern::test
