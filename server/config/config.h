#pragma once
// ternd's configuration. The option names, short flags and file syntax are coturn's
// (`turnserver --help`, `man turnserver`), so an operator's turnserver.conf and flags keep
// working; the few options tern adds are marked as tern's own in the table.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/file_locations.h"
#include "protocol/result.h"

namespace tern {

struct Config {
  // listeners
  std::vector<std::string> listening_ips;  // empty = all (0.0.0.0 and ::)
  uint16_t listening_port = 3478;
  uint16_t tls_listening_port = 5349;
  std::vector<std::string> aux_servers;  // more UDP+TCP listeners, "IP:port"
  unsigned relay_threads = 0;            // 0 = number of cores
  std::string offload = "auto";          // --offload: auto, xdp, tc or off (kernel fast path)
  std::string cert, pkey, cipher_list;
  bool no_udp = false, no_tcp = false, no_tls = false;
  bool no_tlsv1_2 = false;               // TLS 1.3 only
  bool no_dtls = false;                  // no DTLS on the TLS port's UDP socket
  uint32_t dtls_handshake_timeout = 10;  // seconds from a DTLS cookie round trip to Finished
  uint32_t dtls_max_half_open = 256;     // DTLS handshakes in progress, per worker and socket
  std::string pkey_pwd;                  // for an encrypted pkey
  std::string ca_file;              // set: TLS clients must present a certificate this CA signed
  bool stun_only = false;           // TURN requests are refused
  bool no_stun = false;             // Binding requests are refused
  bool secure_stun = false;         // Binding requests need long-term credentials, as TURN's do
  std::string server_name;          // coturn's oAuth server name; logged at startup
  std::string log_file = "stdout";  // "stdout", "stderr", "syslog" or a path
  bool verbose = false;
  bool log_json = false;  // --log-format json
  std::string realm;
  bool software_attribute = true;
  std::string pidfile;
  bool stun_backward_compatibility = false;
  // PROXY protocol (server/proxy_header_reader.h): listeners behind a load balancer; 0 = off
  uint16_t tcp_proxy_port = 0, tls_proxy_port = 0;
  // RFC 5780, on when listening-ip names two addresses of one family.
  uint16_t alt_listening_port = 0;      // UDP and TCP; 0: listening-port + 1
  uint16_t alt_tls_listening_port = 0;  // TLS and DTLS; 0: tls-listening-port + 1
  bool no_rfc5780 = false;
  std::vector<std::string> proxy_trusted;      // empty: headers believed from any source
  std::vector<std::string> udp_proxy_trusted;  // empty: no UDP PROXY headers at all
  // TURN relay
  std::vector<std::string> relay_ips;
  std::vector<std::string> external_ips;  // "public[/private]"
  uint16_t min_port = 49152, max_port = 65535;
  uint32_t max_allocate_lifetime = 3600;
  // The relay family of an Allocate that names none: "ipv4" (RFC 6156 §4.2), "ipv6", or
  // "keep" (the family the client reached ternd over).
  std::string allocation_default_address_family = "ipv4";
  uint32_t channel_lifetime = 600;
  uint32_t permission_lifetime = 300;
  uint32_t user_quota = 0, total_quota = 0;  // 0 = unlimited
  uint64_t max_bps = 0;                      // 0 = unlimited
  std::vector<std::string> users;            // "name:password"
  std::string userdb;
  bool lt_cred_mech = true;
  bool no_auth = false;
  uint32_t stale_nonce = 600;  // 0 = nonces never expire
  // Keys the nonces instead of a per-process random key, so every node of a fleet accepts
  // the others' (coturn's name); the file (tern's own) is read at startup and on SIGHUP.
  std::string stateless_nonce_secret, stateless_nonce_secret_file;
  // tern's own, against password guessing (server/auth_failure_limiter.h); 0 = no limit
  uint32_t auth_failures_per_connection = 20;  // a TCP/TLS connection is closed at this many
  uint32_t auth_failures_per_source = 50;      // per minute, then the source is held back
  uint32_t auth_failure_hold = 60;             // seconds
  std::vector<std::string> allowed_peer_ips, denied_peer_ips;  // "IP" or "IP-IP"
  bool allow_loopback_peers = false;
  bool strict_channel_numbers = false;  // tern's own: only RFC 8656's 0x4000-0x4FFF
  uint32_t challenge_rate = 200;        // tern's own: unauthenticated errors per source IP per s
  uint32_t binding_rate = 1000;         // tern's own: Binding answers per source IP per s (UDP)
  bool no_multicast_peers = true;       // multicast peers are always denied
  // time-limited credentials and stores
  bool use_auth_secret = false;
  std::vector<std::string> static_auth_secrets;
  // tern's own: files of secrets and of name:password lines, read at startup (secret_files.h)
  std::vector<std::string> static_auth_secret_files, user_files;
  std::string redis_userdb, redis_statsdb;  // coturn's connection string
  std::string node_id;  // tern's own: the fleet heartbeat's name; empty = hostname:port
  char rest_api_separator = ':';
  // TCP/TLS limits (max-allocate-timeout is coturn's, the others tern's own; 0 = none)
  uint32_t max_allocate_timeout = 60;             // seconds from accept to the first allocation
  uint32_t max_unallocated_streams_per_ip = 200;  // connections without an allocation
  uint32_t max_unallocated_streams = 4000;
  uint32_t stream_write_timeout = 30;  // seconds pending output may make no progress
  uint32_t stream_frame_timeout = 10;  // seconds an incomplete frame may take
  // TCP relays (RFC 6062; the switches are coturn's, the timeout tern's own)
  bool no_tcp_relay = false;
  bool no_udp_relay = false;
  uint32_t tcp_connection_bind_timeout = 30;  // seconds a peer connection waits for its bind
  uint32_t tcp_connect_timeout = 30;          // seconds a Connect to a peer may take before its 447
  bool mobility = false;                      // RFC 8016 MOBILITY-TICKET (coturn's name)
  // operations (tern's own)
  std::string admin_listen = "127.0.0.1:5767";  // IP:port or a unix socket path
  std::string admin_token;
  std::string admin_token_file;   // empty: /run/tern/admin-token, else beside userdb
  std::string prometheus_listen;  // IP:port; empty = off
  bool web_admin = false;         // the web console on admin_listen

  // Per listener (admin API, metrics): connections still sending their request, and the
  // seconds from accept to a whole request.
  uint32_t admin_max_connections = 64;
  uint32_t admin_request_timeout = 10;

  // Allocate redirection (RFC 8489 §10) and draining (SIGUSR1, ternctl drain)
  std::vector<std::string> alternate_servers, tls_alternate_servers;  // "IP:port", "[IPv6]:port"
  uint32_t drain_timeout = 0;  // seconds a drain waits for allocations to end; 0 = no bound

  bool operator==(const Config&) const = default;
};

struct CommandLine {
  Config config;
  bool show_help = false;
  bool show_version = false;
  bool check_config = false;          // --check-config: report and exit
  bool print_compat_table = false;    // --print-compat-table: README's table, then exit
  std::string config_file;            // empty when none was read
  std::vector<std::string> warnings;  // for the log once it is open
};

// argv as main() gets it. `-c FILE` / `--config FILE` is read first, then the flags apply on
// top. Repeatable options (listening-ip, user, ...) append to the file's list, as coturn
// does, rather than replacing it. The error is the whole message for the operator: every
// refusal found, one a line, each naming the file and line (or "command line"), the option
// and the reason, so one run shows them all.
Result<CommandLine, std::string> parse_command_line(int argc, const char* const* argv);

// Every option, one line each, with its argument, default and a short description.
std::string help_text();

// With neither userdb nor redis-userdb set, ternd reads `default_userdb` when that file
// exists (an operator who ran `ternctl user add` needs no further setting), and nothing
// otherwise: a bare ternd must not create files. True when it chose the default.
bool apply_default_userdb(Config& config,
                          const std::filesystem::path& default_userdb = auth::kDefaultUserdb);

// ---- The option table ----------------------------------------------------------------
// One row per option; parse_command_line, help_text, the tests and the sample-config check
// all read the same rows, so adding an option is one line in config_options.cpp.
namespace config {

// What the options write into while a command line is read; some coturn options only take
// effect once everything is read (prometheus, prometheus-port and prometheus-address make
// one prometheus_listen).
struct ParseState {
  Config config;
  std::vector<std::string> warnings;
  bool prometheus = false;
  std::string prometheus_address = "127.0.0.1";
  uint16_t prometheus_port = 9641;
};

// A reason why a value is refused ("\"x\" is not a port (1-65535)"), or nullopt.
using Refusal = std::optional<std::string>;

struct Flag {  // bare key or flag; an explicit value must be a boolean (on/off, yes/no, ...)
  bool Config::*field;
  bool when_set = true;  // false for the "no-..." spellings
};
struct Text {  // a non-empty string
  std::string Config::*field;
  Refusal (*check)(std::string_view) = nullptr;
};
struct List {  // repeatable: each occurrence appends
  std::vector<std::string> Config::*field;
  Refusal (*check)(std::string_view) = nullptr;
};
struct Number {
  std::variant<uint16_t Config::*, uint32_t Config::*, uint64_t Config::*> field;
  uint64_t min, max;
  bool is_port = false;  // words the refusal as "is not a port"
};
enum class Arity { None, Required, Optional };  // Optional: only `--key=value` takes one
struct Custom {
  Arity arity;
  Refusal (*apply)(ParseState&, std::optional<std::string_view> value);
  bool repeatable = false;  // each occurrence adds (static-auth-secret)
};
struct Ignored {  // a coturn option tern accepts with a warning so a coturn file still starts
  bool takes_value;
};
// A coturn option whose silent absence would lose something the operator relies on (a
// user store, a security check): refused with the help text as the reason.
struct Refused {
  bool takes_value;
};
using Action = std::variant<Flag, Text, List, Number, Custom, Ignored, Refused>;

struct Option {
  std::string_view name;  // coturn's spelling
  char short_flag;        // 0 for none
  std::string_view arg;   // "<port>", empty for flags
  std::string_view default_text;
  std::string_view example;  // a valid value, for the sample config and the tests
  std::string_view help;
  Action action;
};

std::span<const Option> options();
const Option* find_option(std::string_view name);  // nullptr when unknown
const Option* find_short_option(char flag);
Arity arity(const Option& option);
// Applies one occurrence; `value` is nullopt for a bare key or flag.
Refusal apply(const Option& option, ParseState& state, std::optional<std::string_view> value);
// Options the reader itself handles (config, help, version, -n): not valid inside a file.
bool is_command_line_only(const Option& option);
// Whether giving the option twice is meant (lists) rather than a slip that the later
// occurrence silently wins.
bool is_repeatable(const Option& option);
// "listening-port" for "listening_port" or "listen-port": the nearest known name, or
// nullopt when none is near enough to be a likely typo.
std::optional<std::string_view> nearest_option(std::string_view unknown);

}  // namespace config
}  // namespace tern
