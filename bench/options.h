#pragma once
// tern-bench's command line: one mode (binding, allocate, relay) and its knobs. Every run
// is bounded in time (--duration, --max-seconds) and in count (--count).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/conn.h"
#include "bench/net.h"

namespace tern::bench {

enum class Mode : uint8_t { Binding, Allocate, Relay };
const char* to_string(Mode m);

struct Options {
  Mode mode = Mode::Binding;
  TransportAddress server;
  Transport transport = Transport::Udp;
  double duration_s = 5.0;
  // Binding: sockets (connections); relay: flows (allocations).
  int sockets = 4;
  int flows = 1;
  // In flight per socket (binding) or per flow (relay); allocations being set up at once
  // (allocate).
  int window = 0;     // 0: the mode's default
  int64_t count = 0;  // 0: the mode's default
  std::string user;
  std::string password;
  std::string secret;  // REST shared secret instead of a password
  double hold_s = 0;
  bool with_channel = false;  // allocate: also a permission and a channel per allocation
  double rate_pps = 0;        // relay: offered packets/s in total; 0 = as fast as it goes
  int size = 120;             // relay payload bytes
  bool use_channel = true;    // relay: ChannelData, or Send/Data indications
  std::string peer_ip = "127.0.0.1";
  // relay: the echo peer's socket is made in this network namespace (a name under
  // /var/run/netns), so one process can be client and peer of a three-namespace testbed.
  std::string peer_netns;
  // relay: no server; each flow's socket talks to the echo peer directly (the testbed's
  // baseline: what the load itself costs without a relay in between).
  bool direct = false;
  // relay --direct: the flows send to this forwarder (tern-bench-floor-relay) instead,
  // which passes their datagrams to the echo peer and back: the testbed's floor for a
  // user-space relay. The echo peer then binds a known port (--peer-port).
  std::optional<TransportAddress> via;
  int peer_port = 0;  // 0: an ephemeral port
  // relay: "tern-bench: measuring" / "measured" on stderr at the measured window's ends,
  // each acknowledged by a line on stdin.
  bool marks = false;
  // Where client sockets are bound; by default a random 127.x.y.z when the server is on
  // IPv4 loopback (see random_loopback_source), else the kernel's choice.
  std::optional<TransportAddress> source;
  int timeout_ms = 500;  // a request unanswered this long is retransmitted or counted lost
  int server_pid = 0;
  bool json = false;
  double max_seconds = 0;  // 0: duration + hold + 60

  int effective_window() const;
  int64_t effective_count() const;
  double effective_max_seconds() const;
};

struct ParseOutcome {
  std::optional<Options> options;  // nullopt: print `message` and exit
  std::string message;             // usage text or the error
  bool help = false;               // `message` is --help: exit 0
};

ParseOutcome parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace tern::bench
