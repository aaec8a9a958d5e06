#include "bench/options.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

#include "base/socket_address.h"

namespace tern::bench {
namespace {

std::optional<double> to_double(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> to_int(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

using Setter = std::function<std::string(Options&, const std::string&)>;

Setter positive_int(int Options::*field, int64_t max) {
  return [field, max](Options& o, const std::string& v) -> std::string {
    const auto n = to_int(v);
    if (!n || *n < 1 || *n > max) return "expects an integer 1.." + std::to_string(max);
    o.*field = static_cast<int>(*n);
    return {};
  };
}

Setter non_negative_double(double Options::*field) {
  return [field](Options& o, const std::string& v) -> std::string {
    const auto d = to_double(v);
    if (!d || *d < 0) return "expects a number >= 0";
    o.*field = *d;
    return {};
  };
}

Setter text(std::string Options::*field) {
  return [field](Options& o, const std::string& v) -> std::string {
    o.*field = v;
    return {};
  };
}

const std::map<std::string, Setter>& valued_options() {
  static const std::map<std::string, Setter> table = {
      {"--server",
       [](Options& o, const std::string& v) -> std::string {
         auto e = parse_endpoint(v);
         if (!e) return "expects IP:PORT or [IPv6]:PORT";
         o.server = *e;
         return {};
       }},
      {"--transport",
       [](Options& o, const std::string& v) -> std::string {
         if (v == "udp")
           o.transport = Transport::Udp;
         else if (v == "tcp")
           o.transport = Transport::Tcp;
         else if (v == "tls")
           o.transport = Transport::Tls;
         else
           return "expects udp, tcp or tls";
         return {};
       }},
      {"--duration", non_negative_double(&Options::duration_s)},
      {"--sockets", positive_int(&Options::sockets, 10000)},
      {"--flows", positive_int(&Options::flows, 100000)},
      {"--window", positive_int(&Options::window, 4096)},
      {"--count",
       [](Options& o, const std::string& v) -> std::string {
         const auto n = to_int(v);
         if (!n || *n < 1) return "expects an integer >= 1";
         o.count = *n;
         return {};
       }},
      {"--user", text(&Options::user)},
      {"--password", text(&Options::password)},
      {"--secret", text(&Options::secret)},
      {"--hold", non_negative_double(&Options::hold_s)},
      {"--rate", non_negative_double(&Options::rate_pps)},
      {"--size", positive_int(&Options::size, 1400)},
      {"--peer-ip", text(&Options::peer_ip)},
      {"--peer-netns", text(&Options::peer_netns)},
      {"--peer-port", positive_int(&Options::peer_port, 65535)},
      {"--via",
       [](Options& o, const std::string& v) -> std::string {
         auto e = parse_endpoint(v);
         if (!e) return "expects IP:PORT";
         o.via = *e;
         return {};
       }},
      {"--source-ip",
       [](Options& o, const std::string& v) -> std::string {
         auto ip = parse_ip(v);
         if (!ip) return "expects an IP address";
         o.source = *ip;
         return {};
       }},
      {"--timeout-ms", positive_int(&Options::timeout_ms, 60000)},
      {"--server-pid", positive_int(&Options::server_pid, 1 << 30)},
      {"--max-seconds", non_negative_double(&Options::max_seconds)},
  };
  return table;
}

const std::map<std::string, std::string>& short_names() {
  static const std::map<std::string, std::string> table = {
      {"-s", "--server"},   {"-t", "--transport"}, {"-d", "--duration"}, {"-k", "--sockets"},
      {"-m", "--flows"},    {"-W", "--window"},    {"-n", "--count"},    {"-u", "--user"},
      {"-w", "--password"}, {"-S", "--size"},
  };
  return table;
}

}  // namespace

const char* to_string(Mode m) {
  switch (m) {
    case Mode::Binding:
      return "binding";
    case Mode::Allocate:
      return "allocate";
    case Mode::Relay:
      return "relay";
  }
  return "?";
}

int Options::effective_window() const {
  if (window > 0) return window;
  switch (mode) {
    case Mode::Binding:
      return 16;
    case Mode::Allocate:
      return 64;
    case Mode::Relay:
      return 4;
  }
  return 1;
}

int64_t Options::effective_count() const {
  if (count > 0) return count;
  // Allocate: how many allocations; binding and relay: a ceiling on requests/packets that
  // a run at loopback speed will not reach within its duration.
  return mode == Mode::Allocate ? 1000 : 1'000'000'000;
}

double Options::effective_max_seconds() const {
  return max_seconds > 0 ? max_seconds : duration_s + hold_s + 60;
}

std::string usage() {
  return R"(tern-bench MODE [options]   load generator for STUN/TURN servers (tern, coturn)

Modes:
  binding    closed-loop Binding requests from K sockets, W in flight each, for D seconds
  allocate   N full Allocates (with the 401 round trip), W at a time; --hold keeps them
             (refreshing), then deletes them (Refresh LIFETIME 0)
  relay      M allocations, each with a permission and a channel to an echo peer run by
             tern-bench itself; packets of S bytes round-trip client->server->peer->client

Options:
  -s, --server IP:PORT      server (default 127.0.0.1:3478)
  -t, --transport udp|tcp|tls   (default udp; allocate is udp only)
  -d, --duration SECONDS    measured time for binding and relay (default 5)
  -k, --sockets K           binding: sockets or connections (default 4)
  -W, --window W            in flight: per socket (binding, 16), per flow (relay, 4),
                            allocations being set up at once (allocate, 64)
  -n, --count N             allocate: allocations (default 1000); binding/relay: at most
                            N requests/packets
  -u, --user NAME  -w, --password P    long-term credentials
      --secret S            TURN REST shared secret (username "expiry:NAME", -u NAME)
      --hold SECONDS        allocate: keep the allocations this long before deleting
      --with-channel        allocate: also one permission and one channel each
  -m, --flows M             relay: allocations (default 1)
      --rate PPS            relay: offered packets/s over all flows (default: max)
  -S, --size BYTES          relay: payload size (default 120)
      --no-channel          relay: Send/Data indications instead of ChannelData
      --peer-ip IP          relay: address of the echo peer (default 127.0.0.1)
      --peer-netns NAME     relay: open the echo peer's socket in network namespace NAME
                            (/var/run/netns/NAME; default: tern-bench's own)
      --direct              relay: no server, the flows talk to the echo peer directly
                            (a baseline for the cost of the load itself)
      --via IP:PORT         relay --direct: through this forwarder instead
                            (tern-bench-floor-relay: the floor of a user-space relay)
      --peer-port PORT      relay: the echo peer's port (default: an ephemeral one)
      --marks               relay: a line on stderr when the measured window opens and
                            closes ("tern-bench: measuring", "tern-bench: measured"),
                            each then waits for a line on stdin (EOF: goes on)
      --source-ip IP        bind client sockets here (default for a 127.0.0.1 server: a
                            random 127.x.y.z, so runs never reuse a 5-tuple or a relay port)
      --timeout-ms MS       retransmit / loss timeout (default 500)
      --server-pid PID      also report the server's CPU per operation and its RSS
      --max-seconds S       hard limit for the whole run (default duration+hold+60)
      --json                one JSON object instead of the human summary
  -h, --help
)";
}

ParseOutcome parse_options(const std::vector<std::string>& args) {
  ParseOutcome out;
  Options o;
  o.server = *parse_endpoint("127.0.0.1:3478");
  bool have_mode = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      out.message = usage();
      return out;
    }
    if (auto s = short_names().find(arg); s != short_names().end()) arg = s->second;
    std::string value;
    bool inline_value = false;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    if (arg == "--json") {
      o.json = true;
    } else if (arg == "--with-channel") {
      o.with_channel = true;
    } else if (arg == "--no-channel") {
      o.use_channel = false;
    } else if (arg == "--direct") {
      o.direct = true;
    } else if (arg == "--marks") {
      o.marks = true;
    } else if (auto it = valued_options().find(arg); it != valued_options().end()) {
      if (!inline_value) {
        if (i + 1 >= args.size()) {
          out.message = arg + " needs a value";
          return out;
        }
        value = args[++i];
      }
      if (std::string err = it->second(o, value); !err.empty()) {
        out.message = arg + " " + err + ", got '" + value + "'";
        return out;
      }
    } else if (!have_mode && !arg.starts_with("-")) {
      if (arg == "binding")
        o.mode = Mode::Binding;
      else if (arg == "allocate")
        o.mode = Mode::Allocate;
      else if (arg == "relay")
        o.mode = Mode::Relay;
      else {
        out.message = "unknown mode '" + arg + "' (binding, allocate, relay)";
        return out;
      }
      have_mode = true;
    } else {
      out.message = "unknown option '" + arg + "' (see --help)";
      return out;
    }
  }
  if (!have_mode) {
    out.message = "a mode is needed: binding, allocate or relay (see --help)";
    return out;
  }
  if (o.direct && (o.mode != Mode::Relay || o.transport != Transport::Udp)) {
    out.message = "--direct is for relay over udp";
    return out;
  }
  if (o.via && !o.direct) {
    out.message = "--via is for --direct";
    return out;
  }
  if (o.mode != Mode::Binding && !o.direct && o.user.empty() && o.secret.empty()) {
    out.message = std::string(to_string(o.mode)) + " needs -u/-w or --secret";
    return out;
  }
  if (o.mode == Mode::Allocate && o.transport != Transport::Udp) {
    out.message = "allocate runs over udp only";
    return out;
  }
  if (o.duration_s <= 0 && o.mode != Mode::Allocate) {
    out.message = "--duration must be > 0";
    return out;
  }
  if (!o.source && is_ipv4_loopback(o.server)) o.source = random_loopback_source();
  out.options = o;
  return out;
}

}  // namespace tern::bench
