// The option table: what each coturn (and tern) option means and which values it takes.
// The reader that feeds it lines and flags is config.cpp.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "base/ip_range.h"
#include "server/config/config.h"

namespace tern::config {
namespace {

static_assert(std::is_same_v<unsigned, uint32_t>, "relay_threads is read as a uint32_t");

std::string quoted(std::string_view v) {
  return "\"" + std::string(v) + "\"";
}

constexpr uint64_t kMaxBps = std::numeric_limits<uint64_t>::max();

std::optional<uint64_t> parse_u64(std::string_view v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return n;
}

// Digits only: from_chars already refuses signs and spaces; out-of-range and trailing
// garbage come back as errors instead of atoi's silent 0 or truncation.
Refusal read_number(std::string_view v, uint64_t min, uint64_t max, bool is_port, uint64_t& out) {
  auto n = parse_u64(v);
  if (is_port && (!n || *n < min || *n > max))
    return quoted(v) + " is not a port (" + std::to_string(min) + "-" + std::to_string(max) + ")";
  if (!n) {
    bool digits =
        !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return quoted(v) + " is not a number";
  }
  if (!n || *n < min || *n > max)
    return quoted(v) + " is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")";
  out = *n;
  return std::nullopt;
}

int ip_family(std::string_view v) {
  std::string s(v);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return AF_INET;
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return AF_INET6;
  return 0;
}

Refusal check_ip(std::string_view v) {
  if (ip_family(v) == 0) return quoted(v) + " is not an IP address";
  return std::nullopt;
}

// The peer policy's own parser, so the config accepts exactly what the policy will read
// (IP, IP-IP and CIDR).
Refusal check_ip_range(std::string_view v) {
  auto range = IpRange::parse(v);
  if (!range) return range.error();
  return std::nullopt;
}

Refusal check_external_ip(std::string_view v) {
  auto slash = v.find('/');
  if (ip_family(v.substr(0, slash)) == 0 ||
      (slash != std::string_view::npos && ip_family(v.substr(slash + 1)) == 0))
    return quoted(v) + " is not public-IP or public-IP/private-IP";
  return std::nullopt;
}

Refusal check_user(std::string_view v) {
  auto colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return quoted(v) + " is not name:password";
  return std::nullopt;
}

// "IP:port" or "[IPv6]:port".
Refusal check_ip_port(std::string_view v) {
  auto colon = v.rfind(':');
  auto refused = quoted(v) + " is not IP:port (IPv6 as [addr]:port)";
  if (colon == std::string_view::npos) return refused;
  auto host = v.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (ip_family(host) != AF_INET6) return refused;
  } else if (ip_family(host) != AF_INET) {
    return refused;
  }
  auto port = parse_u64(v.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) return refused;
  return std::nullopt;
}

Refusal check_admin_listen(std::string_view v) {
  if (v.front() == '/') return std::nullopt;  // a unix socket
  return check_ip_port(v);
}

// coturn's get_bool_value vocabulary; an empty value is a bare flag.
std::optional<bool> parse_bool(std::optional<std::string_view> value) {
  if (!value || value->empty()) return true;
  std::string v(*value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "1" || v == "yes" || v == "true" || v == "on") return true;
  if (v == "0" || v == "no" || v == "false" || v == "off") return false;
  return std::nullopt;
}

Refusal not_boolean(std::string_view v) {
  return quoted(v) + " is not a boolean (on/off, yes/no, true/false, 1/0)";
}

// ---- options that are more than a field ------------------------------------------------

Refusal set_stale_nonce(ParseState& s, std::optional<std::string_view> v) {
  if (!v) {
    s.config.stale_nonce = 600;  // coturn: a bare --stale-nonce means 600 s
    return std::nullopt;
  }
  uint64_t n = 0;
  if (auto r = read_number(*v, 0, std::numeric_limits<uint32_t>::max(), false, n)) return r;
  s.config.stale_nonce = static_cast<uint32_t>(n);
  return std::nullopt;
}

Refusal set_offload(ParseState& s, std::optional<std::string_view> v) {
  if (v == "auto" || v == "xdp" || v == "tc" || v == "off") {
    s.config.offload = std::string(*v);
    return std::nullopt;
  }
  return quoted(v.value_or("")) + " is not auto, xdp, tc or off";
}

Refusal set_log_format(ParseState& s, std::optional<std::string_view> v) {
  if (v == "text" || v == "json") {
    s.config.log_json = v == "json";
    return std::nullopt;
  }
  return quoted(v.value_or("")) + " is not text or json";
}

Refusal set_log_file(ParseState& s, std::optional<std::string_view> v) {
  if (!v || v->empty()) return "needs a value";
  s.config.log_file = *v == "-" ? "stdout" : std::string(*v);  // coturn: "-" is stdout
  return std::nullopt;
}

// coturn's --syslog sends everything to syslog; here it is the same as log-file=syslog.
Refusal set_syslog(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  if (*on) s.config.log_file = "syslog";
  return std::nullopt;
}

// A secret means the REST API is in use: coturn turns use-auth-secret on with it.
Refusal add_static_auth_secret(ParseState& s, std::optional<std::string_view> v) {
  if (!v || v->empty()) return "needs a value";
  s.config.static_auth_secrets.emplace_back(*v);
  s.config.use_auth_secret = true;
  return std::nullopt;
}

// Like static-auth-secret; the file is read at startup (secret_files.h).
Refusal add_static_auth_secret_file(ParseState& s, std::optional<std::string_view> v) {
  if (!v || v->empty()) return "needs a value";
  s.config.static_auth_secret_files.emplace_back(*v);
  s.config.use_auth_secret = true;
  return std::nullopt;
}

Refusal set_rest_api_separator(ParseState& s, std::optional<std::string_view> v) {
  if (!v || v->size() != 1) return quoted(v.value_or("")) + " is not a single character";
  s.config.rest_api_separator = v->front();
  return std::nullopt;
}

// -a and -z are two sides of one switch, so the later one wins. Switching long-term
// credentials off is refused rather than read as "no authentication": that must be said
// with no-auth.
Refusal set_lt_cred_mech(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  if (!*on) return "cannot be turned off; use no-auth to allow anonymous relaying";
  s.config.lt_cred_mech = true;
  s.config.no_auth = false;
  return std::nullopt;
}

Refusal set_no_auth(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  s.config.no_auth = *on;
  s.config.lt_cred_mech = !*on;
  return std::nullopt;
}

Refusal set_no_multicast_peers(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  if (!*on)
    s.warnings.emplace_back("ignored: no-multicast-peers=off (multicast peers are always denied)");
  return std::nullopt;
}

Refusal set_prometheus(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  s.prometheus = *on;
  return std::nullopt;
}

Refusal set_prometheus_port(ParseState& s, std::optional<std::string_view> v) {
  uint64_t n = 0;
  if (auto r = read_number(v.value_or(""), 1, 65535, true, n)) return r;
  s.prometheus_port = static_cast<uint16_t>(n);
  return std::nullopt;
}

Refusal set_prometheus_address(ParseState& s, std::optional<std::string_view> v) {
  if (auto r = check_ip(v.value_or(""))) return r;
  s.prometheus_address = std::string(*v);
  return std::nullopt;
}

Refusal set_default_address_family(ParseState& s, std::optional<std::string_view> v) {
  auto family = v.value_or("");
  if (family != "ipv4" && family != "ipv6" && family != "keep")
    return quoted(family) + " is not ipv4, ipv6 or keep";
  s.config.allocation_default_address_family = std::string(family);
  return std::nullopt;
}

// coturn's older spelling of allocation-default-address-family=keep.
Refusal set_keep_address_family(ParseState& s, std::optional<std::string_view> v) {
  auto on = parse_bool(v);
  if (!on) return not_boolean(*v);
  s.config.allocation_default_address_family = *on ? "keep" : "ipv4";
  return std::nullopt;
}

// 0 is coturn's "no cap", which is what tern does; any cap would be silently lost.
Refusal check_bps_capacity(ParseState&, std::optional<std::string_view> v) {
  uint64_t n = 0;
  if (auto r = read_number(v.value_or(""), 0, kMaxBps, false, n)) return r;
  if (n != 0)
    return "tern has no server-wide bandwidth cap; use max-bps (per allocation) and "
           "total-quota";
  return std::nullopt;
}

constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// clang-format off
const std::array kOptions = {
  // read by the command-line reader itself (apply == nullptr)
  Option{"config", 'c', "<file>", "", "/etc/tern/ternd.conf", "configuration file, read before the flags (command line only)", Custom{Arity::Required, nullptr}},
  Option{"", 'n', "", "", "", "do not read a configuration file, even with -c (command line only)", Custom{Arity::None, nullptr}},
  Option{"help", 'h', "", "", "", "print this help and exit (command line only)", Custom{Arity::None, nullptr}},
  Option{"version", 0, "", "", "", "print the version and exit (command line only)", Custom{Arity::None, nullptr}},
  Option{"check-config", 0, "", "", "", "read the configuration, print every error and warning, exit 0 when it is good and 2 when not, without starting (command line only; tern's own)", Custom{Arity::None, nullptr}},
  Option{"print-compat-table", 0, "", "", "", "print the coturn compatibility table of README.md and exit (command line only; tern's own)", Custom{Arity::None, nullptr}},
  // listeners
  Option{"listening-ip", 'L', "<ip>", "all (0.0.0.0 and ::)", "192.0.2.10", "listening address; repeat for several", List{&Config::listening_ips, check_ip}},
  Option{"listening-port", 'p', "<port>", "3478", "3479", "UDP and TCP listening port", Number{&Config::listening_port, 1, 65535, true}},
  Option{"tls-listening-port", 0, "<port>", "5349", "5350", "TLS listening port", Number{&Config::tls_listening_port, 1, 65535, true}},
  Option{"tcp-proxy-port", 0, "<port>", "0", "3480", "TCP listening port behind a load balancer: each connection starts with a PROXY protocol v1 or v2 header naming the client; 0 = off", Number{&Config::tcp_proxy_port, 0, 65535, true}},
  Option{"tls-proxy-port", 0, "<port>", "0", "5350", "TLS listening port behind a load balancer: the PROXY protocol header comes before the TLS handshake; 0 = off (tern's own)", Number{&Config::tls_proxy_port, 0, 65535, true}},
  Option{"proxy-trusted", 0, "<ip[-ip]|ip/len>", "any source (warned at startup)", "10.0.0.0/8", "load balancers whose PROXY headers are believed on tcp-proxy-port and tls-proxy-port; others are reset; repeatable (tern's own)", List{&Config::proxy_trusted, check_ip_range}},
  Option{"udp-proxy-trusted", 0, "<ip[-ip]|ip/len>", "none", "10.0.0.5", "load balancers whose UDP datagrams each start with a PROXY v2 header naming the client; answers go back to the balancer; repeatable (tern's own)", List{&Config::udp_proxy_trusted, check_ip_range}},
  Option{"aux-server", 0, "<ip:port>", "none", "192.0.2.10:33478", "one more UDP and TCP listening address, IPv6 as [addr]:port; repeatable", List{&Config::aux_servers, check_ip_port}},
  Option{"alt-listening-port", 0, "<port>", "0 (listening-port + 1)", "3479", "RFC 5780 NAT behaviour discovery, on when listening-ip names two addresses of one family (and no-rfc5780 is off): both also listen on this port for UDP and TCP, Binding answers carry OTHER-ADDRESS and RESPONSE-ORIGIN, and over UDP CHANGE-REQUEST, RESPONSE-PORT and PADDING are honoured (over TCP, TLS and DTLS an answer cannot leave from elsewhere: CHANGE-REQUEST and RESPONSE-PORT get 420)", Number{&Config::alt_listening_port, 0, 65535}},
  Option{"alt-tls-listening-port", 0, "<port>", "0 (tls-listening-port + 1)", "5350", "RFC 5780's alternate port for TLS and DTLS (as alt-listening-port is for UDP and TCP): both addresses also listen on it when TLS is on", Number{&Config::alt_tls_listening_port, 0, 65535}},
  Option{"no-rfc5780", 0, "", "off", "", "no RFC 5780 NAT behaviour discovery: no alternate-port listeners (UDP, TCP, TLS or DTLS), no OTHER-ADDRESS, and CHANGE-REQUEST, RESPONSE-PORT and PADDING get 420", Flag{&Config::no_rfc5780}},
  Option{"relay-threads", 'm', "<number>", "0", "4", "worker threads, 0 = one per core (coturn's 0 means a single thread)", Number{&Config::relay_threads, 0, 1024}},
  Option{"offload", 0, "<auto|xdp|tc|off>", "auto", "off", "relay UDP clients' ChannelData in the kernel: auto and tc, a TC program on every interface; xdp, also an XDP program ahead of it where the driver has XDP (driver mode; the far end of a veth needs GRO on), TC elsewhere; all fall back to user space with one log line where the program cannot load or attach (tern's own)", Custom{Arity::Required, set_offload}},
  Option{"cert", 0, "<file>", "none", "/etc/tern/cert.pem", "TLS certificate chain, PEM", Text{&Config::cert}},
  Option{"pkey", 0, "<file>", "none", "/etc/tern/key.pem", "TLS private key, PEM", Text{&Config::pkey}},
  Option{"cipher-list", 0, "<ciphers>", "OpenSSL's default", "ECDHE+AESGCM", "OpenSSL cipher list for TLS", Text{&Config::cipher_list}},
  Option{"no-udp", 0, "", "off", "", "do not listen on UDP", Flag{&Config::no_udp}},
  Option{"no-tcp", 0, "", "off", "", "do not listen on TCP", Flag{&Config::no_tcp}},
  Option{"no-tls", 0, "", "off", "", "do not listen on TLS", Flag{&Config::no_tls}},
  Option{"no-dtls", 0, "", "off", "", "do not serve DTLS 1.2 on the TLS listening port's UDP socket (STUN/TURN over UDP is still answered there)", Flag{&Config::no_dtls}},
  Option{"no_dtls", 0, "", "off", "", "the same as no-dtls (coturn's other spelling)", Flag{&Config::no_dtls}},
  Option{"dtls-handshake-timeout", 0, "<sec>", "10", "10", "drop a DTLS client whose handshake has not finished this long after its cookie round trip (tern's own)", Number{&Config::dtls_handshake_timeout, 1, 3600}},
  Option{"dtls-max-half-open", 0, "<number>", "256", "64", "DTLS handshakes in progress at once, per worker thread and listening socket (each holds an OpenSSL session); a client past it whose cookie came back is ignored and retries (tern's own)", Number{&Config::dtls_max_half_open, 1, 65536}},
  Option{"no-tlsv1_2", 0, "", "off", "", "TLS 1.3 only: refuse TLS 1.2 handshakes (TLS 1.0 and 1.1 are never offered)", Flag{&Config::no_tlsv1_2}},
  Option{"pkey-pwd", 0, "<password>", "none", "key-passphrase", "password of an encrypted pkey", Text{&Config::pkey_pwd}},
  Option{"CA-file", 0, "<file>", "none", "/etc/tern/client-ca.pem", "require every TLS client to present a certificate signed by a CA in this PEM file", Text{&Config::ca_file}},
  Option{"stun-only", 'S', "", "off", "", "STUN only: TURN requests (Allocate, Refresh, ...) are answered 400", Flag{&Config::stun_only}},
  Option{"no-stun", 0, "", "off", "", "TURN only: Binding requests are answered 400", Flag{&Config::no_stun}},
  Option{"secure-stun", 0, "", "off", "", "Binding requests need long-term credentials like TURN's (401 without them; answers signed); a public STUN server should leave this off", Flag{&Config::secure_stun}},
  Option{"server-name", 0, "<name>", "none", "turn.example.org", "this server's name, logged at startup (coturn uses it for oAuth)", Text{&Config::server_name}},
  Option{"log-file", 'l', "<target>", "stdout", "/var/log/tern/ternd.log", "stdout, stderr, syslog or a file path (reopened on SIGHUP; a new one applies on reload)", Custom{Arity::Required, set_log_file}},
  Option{"syslog", 0, "", "off", "", "log to syslog, same as log-file=syslog", Custom{Arity::None, set_syslog}},
  Option{"log-format", 0, "<text|json>", "text", "json", "json: every log line one JSON object (ts, level, msg and the line's key=value fields), for log shippers", Custom{Arity::Required, set_log_format}},
  Option{"verbose", 'v', "", "off", "", "log debug messages too, among them every STUN/TURN request and response", Flag{&Config::verbose}},
  Option{"Verbose", 'V', "", "off", "", "same as verbose", Flag{&Config::verbose}},
  Option{"realm", 'r', "<realm>", "none", "example.org", "realm for long-term credentials", Text{&Config::realm}},
  Option{"software-attribute", 0, "", "on", "", "send the SOFTWARE attribute", Flag{&Config::software_attribute}},
  Option{"no-software-attribute", 0, "", "off", "", "do not send the SOFTWARE attribute", Flag{&Config::software_attribute, false}},
  Option{"prod", 0, "", "off", "", "same as no-software-attribute (coturn's older name)", Flag{&Config::software_attribute, false}},
  Option{"pidfile", 0, "<file>", "none", "/run/ternd.pid", "write the process id to this file", Text{&Config::pidfile}},
  Option{"stun-backward-compatibility", 0, "", "off", "", "answer RFC 3489 Binding requests (no magic cookie)", Flag{&Config::stun_backward_compatibility}},
  Option{"no-stun-backward-compatibility", 0, "", "on", "", "do not answer RFC 3489 Binding requests", Flag{&Config::stun_backward_compatibility, false}},
  // TURN relay
  Option{"relay-ip", 'E', "<ip>", "one address per family: the listening one, or the first non-loopback interface's when listening on all", "192.0.2.20", "relay address; repeat for several", List{&Config::relay_ips, check_ip}},
  Option{"external-ip", 'X', "<public[/private]>", "none", "203.0.113.5/192.0.2.20", "public address to advertise for a relay address behind NAT; repeatable", List{&Config::external_ips, check_external_ip}},
  Option{"min-port", 0, "<port>", "49152", "50000", "lowest relay port", Number{&Config::min_port, 1, 65535, true}},
  Option{"max-port", 0, "<port>", "65535", "60000", "highest relay port", Number{&Config::max_port, 1, 65535, true}},
  Option{"allocation-default-address-family", 'A', "<ipv4|ipv6|keep>", "ipv4", "keep", "relay address family of an Allocate that asks for none; keep: the family the client came over (RFC 6156 says ipv4)", Custom{Arity::Required, set_default_address_family}},
  Option{"keep-address-family", 'K', "", "off", "", "same as allocation-default-address-family=keep", Custom{Arity::None, set_keep_address_family}},
  Option{"max-allocate-lifetime", 0, "<seconds>", "3600", "1800", "longest allocation lifetime granted", Number{&Config::max_allocate_lifetime, 1, kU32Max}},
  Option{"channel-lifetime", 0, "<seconds>", "600", "300", "channel binding lifetime", Number{&Config::channel_lifetime, 1, kU32Max}},
  Option{"permission-lifetime", 0, "<seconds>", "300", "120", "permission lifetime", Number{&Config::permission_lifetime, 1, kU32Max}},
  Option{"user-quota", 'q', "<number>", "0", "10", "concurrent allocations per user, an unclaimed EVEN-PORT reservation counting as one; 0 = unlimited (warned at startup); recommended 10-20 for WebRTC, where a browser makes 1-3 allocations per call", Number{&Config::user_quota, 0, kU32Max}},
  Option{"total-quota", 'Q', "<number>", "0", "1000", "concurrent allocations in total, unclaimed reservations counting; 0 = unlimited (warned at startup); recommended at most the relay ports (max-port - min-port + 1 per relay IP)", Number{&Config::total_quota, 0, kU32Max}},
  Option{"max-bps", 's', "<bytes/s>", "0", "125000", "bandwidth per allocation, each direction, 0 = unlimited", Number{&Config::max_bps, 0, kU64Max}},
  Option{"user", 'u', "<name:password>", "none", "alice:secret", "long-term credential user; repeatable", List{&Config::users, check_user}},
  Option{"userdb", 'b', "<file>", "/var/lib/tern/tern.db when it exists and no redis-userdb", "/var/lib/tern/tern.db", "SQLite user database", Text{&Config::userdb}},
  Option{"db", 0, "<file>", "as userdb", "/var/lib/tern/tern.db", "same as userdb", Text{&Config::userdb}},
  Option{"lt-cred-mech", 'a', "", "on", "", "long-term credentials (turned off only by no-auth)", Custom{Arity::None, set_lt_cred_mech}},
  Option{"no-auth", 'z', "", "off", "", "no authentication: anyone may relay", Custom{Arity::None, set_no_auth}},
  Option{"stale-nonce", 0, "[=<seconds>]", "600", "300", "nonce lifetime, 0 = never stale; bare key means 600", Custom{Arity::Optional, set_stale_nonce}},
  Option{"stateless-nonce-secret", 0, "<secret>", "none: the key tern/nonce-secret in redis-userdb when set there (read every 2 s), else a random key per process", "fleet-nonce-key", "key nonces with this secret, so every node given it accepts the others' nonces (a retry that lands on another node needs no new 401)", Text{&Config::stateless_nonce_secret}},
  Option{"stateless-nonce-secret-file", 0, "<file>", "none", "/etc/tern/nonce-secret", "stateless-nonce-secret from the first line of a file, read at startup and on SIGHUP: a changed secret signs from then on and the one before stays valid for one stale-nonce lifetime; overrides stateless-nonce-secret (tern's own)", Text{&Config::stateless_nonce_secret_file}},
  Option{"auth-failures-per-connection", 0, "<n>", "20", "10", "failed password checks after which a TCP/TLS connection is closed; 0 = no limit (tern's own)", Number{&Config::auth_failures_per_connection, 0, kU32Max}},
  Option{"auth-failures-per-source", 0, "<n>", "50", "30", "failed password checks a minute from one source IP (TCP/TLS) or source IP and username (UDP) before it is held back; 0 = no limit (tern's own)", Number{&Config::auth_failures_per_source, 0, 1000}},
  Option{"auth-failure-hold", 0, "<seconds>", "60", "300", "how long a source that spent its auth-failures-per-source is answered 401 without its password being checked (tern's own)", Number{&Config::auth_failure_hold, 1, 86400}},
  Option{"allowed-peer-ip", 0, "<ip[-ip]|ip/len>", "none", "10.0.0.1-10.0.0.255", "peer addresses allowed even where denied by default; repeatable", List{&Config::allowed_peer_ips, check_ip_range}},
  Option{"denied-peer-ip", 0, "<ip[-ip]|ip/len>", "none", "198.51.100.0/24", "peer addresses denied; repeatable", List{&Config::denied_peer_ips, check_ip_range}},
  Option{"allow-loopback-peers", 0, "", "off", "", "allow relaying to 127.0.0.0/8 and ::1 (testing only)", Flag{&Config::allow_loopback_peers}},
  Option{"strict-channel-numbers", 0, "", "off", "", "accept only RFC 8656 channels 0x4000-0x4FFF (default: also RFC 5766's 0x5000-0x7FFF, which coturn clients use; tern's own)", Flag{&Config::strict_channel_numbers}},
  Option{"challenge-rate", 0, "<n>", "200", "100", "error answers (401, 438, 400, 420) to unauthenticated requests per source IP per second over UDP, TCP and TLS, all workers together, bursts of twice that; 0 = unlimited (tern's own)", Number{&Config::challenge_rate, 0, 1000000}},
  Option{"binding-rate", 0, "<n>", "1000", "5000", "Binding answers per source IP per second over UDP, all workers together, bursts of twice that; 0 = unlimited (tern's own)", Number{&Config::binding_rate, 0, 1000000}},
  Option{"no-multicast-peers", 0, "", "on", "", "accepted: multicast peers are always denied", Custom{Arity::None, set_no_multicast_peers}},
  // time-limited credentials and stores
  Option{"use-auth-secret", 0, "", "off", "", "TURN REST API credentials (time-limited, HMAC of a shared secret)", Flag{&Config::use_auth_secret}},
  Option{"static-auth-secret", 0, "<secret>", "none", "north-wind", "REST API shared secret (implies use-auth-secret); repeat to rotate", Custom{Arity::Required, add_static_auth_secret, true}},
  Option{"static-auth-secret-file", 0, "<file>", "none", "/etc/tern/auth-secrets", "REST API shared secrets, one a line, read at startup and on SIGHUP, so none is on the command line (implies use-auth-secret); repeatable (tern's own)", Custom{Arity::Required, add_static_auth_secret_file}},
  Option{"user-file", 0, "<file>", "none", "/etc/tern/users", "long-term credential users, name:password one a line, read at startup and on SIGHUP, so no password is on the command line; repeatable (tern's own)", List{&Config::user_files}},
  Option{"redis-userdb", 'N', "<connection>", "none", "ip=127.0.0.1 dbname=0 port=6379", "Redis user and secret database, coturn's connection string (or sentinel=HOST:PORT,... master=NAME)", Text{&Config::redis_userdb}},
  Option{"redis-statsdb", 'O', "<connection>", "none", "ip=127.0.0.1 dbname=1 port=6379", "Redis statistics database, coturn's connection string (or sentinel=HOST:PORT,... master=NAME)", Text{&Config::redis_statsdb}},
  Option{"node-id", 0, "<name>", "hostname:listening-port", "turn-eu-1", "this node's name in the fleet heartbeat that redis-statsdb gets every 5 s (ternctl fleet) (tern's own)", Text{&Config::node_id}},
  Option{"rest-api-separator", 'C', "<char>", ":", "-", "separator between expiry and user in REST API usernames", Custom{Arity::Required, set_rest_api_separator}},
  Option{"max-allocate-timeout", 0, "<sec>", "60", "60", "TCP, TLS and DTLS: seconds from accept (or from a Refresh that deleted the connection's allocation) to a successful Allocate, however active the client; 0 = none", Number{&Config::max_allocate_timeout, 0, 86400}},
  Option{"max-unallocated-streams-per-ip", 0, "<n>", "200", "200", "TCP/TLS connections without an allocation per source IP (IPv6: per /64), over all workers; more are reset; 0 = no cap (tern's own)", Number{&Config::max_unallocated_streams_per_ip, 0, 1000000}},
  Option{"max-unallocated-streams", 0, "<n>", "4000", "4000", "TCP/TLS connections without an allocation in all; more are reset; 0 = no cap (tern's own)", Number{&Config::max_unallocated_streams, 0, 10000000}},
  Option{"stream-write-timeout", 0, "<sec>", "30", "30", "close a TCP/TLS connection whose pending output made no progress for this long; 0 = never (tern's own)", Number{&Config::stream_write_timeout, 0, 86400}},
  Option{"no-tcp-relay", 0, "", "off", "", "refuse TCP relays (RFC 6062): an Allocate asking for TCP gets 442", Flag{&Config::no_tcp_relay}},
  Option{"no-udp-relay", 0, "", "off", "", "refuse UDP relays: an Allocate asking for UDP gets 442", Flag{&Config::no_udp_relay}},
  Option{"tcp-connection-bind-timeout", 0, "<sec>", "30", "30", "seconds a peer TCP connection (Connect, ConnectionAttempt) waits for the client's ConnectionBind before it is closed (RFC 6062 §5.3; tern's own)", Number{&Config::tcp_connection_bind_timeout, 1, 3600}},
  Option{"tcp-connect-timeout", 0, "<sec>", "30", "30", "seconds a Connect's connection to a peer may take before the client gets 447 (RFC 6062 §5.2; tern's own)", Number{&Config::tcp_connect_timeout, 1, 3600}},
  Option{"stream-frame-timeout", 0, "<sec>", "10", "10", "close a TCP/TLS connection whose incomplete STUN or ChannelData frame is not complete after this long; 0 = never (tern's own)", Number{&Config::stream_frame_timeout, 0, 86400}},
  // operations
  Option{"admin-listen", 0, "<ip:port|path>", "127.0.0.1:5767", "/run/tern/admin.sock", "admin API address or unix socket (tern's own)", Text{&Config::admin_listen, check_admin_listen}},
  Option{"web-admin", 0, "", "off", "", "the web console at / on admin-listen (asks for the admin token)", Flag{&Config::web_admin}},
  Option{"admin-token", 0, "<token>", "none", "change-me", "admin API bearer token (tern's own)", Text{&Config::admin_token}},
  Option{"admin-token-file", 0, "<file>", "/run/tern/admin-token, else beside userdb", "/run/tern/admin-token", "the admin token file, mode 0600: when given and it holds a token, that token is used; otherwise a generated one is written there; ternctl reads it (tern's own)", Text{&Config::admin_token_file}},
  Option{"prometheus-listen", 0, "<ip:port>", "off", "127.0.0.1:9641", "Prometheus /metrics address (tern's own)", Text{&Config::prometheus_listen, check_ip_port}},
  Option{"prometheus", 0, "", "off", "", "Prometheus /metrics on prometheus-address:prometheus-port", Custom{Arity::None, set_prometheus}},
  Option{"prometheus-port", 0, "<port>", "9641", "9642", "port for prometheus", Custom{Arity::Required, set_prometheus_port}},
  Option{"prometheus-address", 0, "<ip>", "127.0.0.1", "::1", "address for prometheus (coturn's default is all addresses)", Custom{Arity::Required, set_prometheus_address}},
  Option{"admin-max-connections", 0, "<n>", "64", "16", "connections still sending their request to the admin API (and to /metrics) at once, 8 from one address; more are closed (tern's own)", Number{&Config::admin_max_connections, 1, 100000}},
  Option{"admin-request-timeout", 0, "<seconds>", "10", "5", "time from accept to a whole admin or /metrics request; a slower client is disconnected (tern's own)", Number{&Config::admin_request_timeout, 1, 3600}},
  Option{"alternate-server", 0, "<ip:port>", "none", "192.0.2.30:3478", "answer Allocate requests over UDP and TCP with 300 Try Alternate naming these servers in turn (one of the client's family); a list naming this server's own listening address redirects only while draining; repeatable, IPv6 as [addr]:port", List{&Config::alternate_servers, check_ip_port}},
  Option{"tls-alternate-server", 0, "<ip:port>", "none", "192.0.2.30:5349", "the same for Allocate requests over TLS; repeatable", List{&Config::tls_alternate_servers, check_ip_port}},
  Option{"drain-timeout", 0, "<seconds>", "0", "3600", "after SIGUSR1 or ternctl drain, stop this long after the drain began even if allocations remain; 0 = wait until the last allocation ends (tern's own)", Number{&Config::drain_timeout, 0, kU32Max}},
  // coturn options accepted so a coturn file still starts; each read adds an "ignored" warning
  Option{"fingerprint", 'f', "", "", "", "FINGERPRINT is not configurable in tern", Ignored{false}},
  Option{"daemon", 'o', "", "", "", "tern stays in the foreground; let systemd run it", Ignored{false}},
  Option{"no-cli", 0, "", "", "", "tern has no telnet CLI; see admin-listen", Ignored{false}},
  Option{"cli-ip", 0, "<ip>", "", "", "tern has no telnet CLI", Ignored{true}},
  Option{"cli-port", 0, "<port>", "", "", "tern has no telnet CLI", Ignored{true}},
  Option{"cli-password", 0, "<password>", "", "", "tern has no telnet CLI; see admin-token", Ignored{true}},
  Option{"no-stdout-log", 0, "", "", "", "tern logs to one target, log-file", Ignored{false}},
  Option{"simple-log", 0, "", "", "", "tern never renames its log file", Ignored{false}},
  Option{"new-log-timestamp", 0, "", "", "", "tern always logs ISO-8601 UTC timestamps", Ignored{false}},
  Option{"new-log-timestamp-format", 0, "<format>", "", "", "tern's timestamp format is fixed", Ignored{true}},
  Option{"log-binding", 0, "", "", "", "Binding requests are never logged", Ignored{false}},
  Option{"mobility", 0, "", "off", "", "RFC 8016 mobility: an Allocate with an empty MOBILITY-TICKET gets a ticket, and a Refresh with it from a new address (UDP) moves the allocation there; only its owner's credentials can use it", Flag{&Config::mobility}},
  Option{"no-tlsv1", 0, "", "", "", "tern never offers TLS 1.0", Ignored{false}},
  Option{"no-tlsv1_1", 0, "", "", "", "tern never offers TLS 1.1", Ignored{false}},
  Option{"dh566", 0, "", "", "", "DH parameters follow OpenSSL's defaults", Ignored{false}},
  Option{"dh1066", 0, "", "", "", "DH parameters follow OpenSSL's defaults", Ignored{false}},
  Option{"dh2066", 0, "", "", "", "DH parameters follow OpenSSL's defaults", Ignored{false}},
  Option{"response-origin-only-with-rfc5780", 0, "", "", "", "tern always sends RESPONSE-ORIGIN", Ignored{false}},
  Option{"no-loopback-peers", 0, "", "", "", "loopback peers are denied unless allow-loopback-peers", Ignored{false}},
  Option{"proc-user", 0, "<user>", "", "", "let systemd choose the user", Ignored{true}},
  Option{"proc-group", 0, "<group>", "", "", "let systemd choose the group", Ignored{true}},
  Option{"no-sslv2", 0, "", "", "", "tern never offers SSL 2 (coturn's older configurations)", Ignored{false}},
  Option{"no-sslv3", 0, "", "", "", "tern never offers SSL 3 (coturn's older configurations)", Ignored{false}},
  Option{"udp-self-balance", 0, "", "", "", "tern does not balance over auxiliary servers", Ignored{false}},
  Option{"listening-device", 'd', "<device>", "", "", "tern binds to addresses, not devices; use listening-ip", Ignored{true}},
  Option{"relay-device", 'i', "<device>", "", "", "tern binds to addresses, not devices; use relay-ip", Ignored{true}},
  Option{"check-origin-consistency", 0, "", "", "", "tern does not read the ORIGIN attribute", Ignored{false}},
  Option{"no-auth-pings", 0, "", "", "", "tern's stores need no health pings", Ignored{false}},
  Option{"no-dynamic-ip-list", 0, "", "", "", "peer ranges in the store are always read", Ignored{false}},
  Option{"no-dynamic-realms", 0, "", "", "", "realm options in the store are always read", Ignored{false}},
  Option{"secret-key-file", 0, "<file>", "", "", "only for mysql-userdb, which tern does not read", Ignored{true}},
  Option{"ec-curve-name", 0, "<curve>", "", "", "TLS groups follow OpenSSL's defaults", Ignored{true}},
  Option{"dh-file", 0, "<file>", "", "", "DH parameters follow OpenSSL's defaults", Ignored{true}},
  Option{"syslog-facility", 0, "<facility>", "", "", "tern logs to syslog's default facility", Ignored{true}},
  Option{"acme-redirect", 0, "<url>", "", "", "tern answers no HTTP on TURN ports; serve ACME on port 80", Ignored{true}},
  Option{"cli-max-output-sessions", 0, "<number>", "", "", "tern has no telnet CLI", Ignored{true}},
  Option{"web-admin-ip", 0, "<ip>", "", "", "the web console is served on admin-listen; set that instead", Ignored{true}},
  Option{"web-admin-port", 0, "<port>", "", "", "the web console is served on admin-listen; set that instead", Ignored{true}},
  Option{"web-admin-listen-on-workers", 0, "", "", "", "the web console is always on the admin thread, never on the relay workers", Ignored{false}},
  Option{"ne", 0, "<1|2|3>", "", "", "coturn's internal network engine choice", Ignored{true}},
  // coturn options refused: ignoring them would lose users, a limit or a check
  Option{"psql-userdb", 'e', "<connection>", "", "", "PostgreSQL user databases are not supported; use userdb or redis-userdb", Refused{true}},
  Option{"sql-userdb", 0, "<connection>", "", "", "PostgreSQL user databases are not supported; use userdb or redis-userdb", Refused{true}},
  Option{"mysql-userdb", 'M', "<connection>", "", "", "MySQL user databases are not supported; use userdb or redis-userdb", Refused{true}},
  Option{"mongo-userdb", 'J', "<connection>", "", "", "MongoDB user databases are not supported; use userdb or redis-userdb", Refused{true}},
  Option{"oauth", 0, "", "", "", "oAuth (RFC 7635) is not supported; use static-auth-secret (TURN REST API)", Refused{false}},
  Option{"server-relay", 0, "", "", "", "tern always checks permissions (RFC 8656 §9)", Refused{false}},
  Option{"bps-capacity", 'B', "<bytes/s>", "0", "0", "0 only (no cap): tern has no server-wide bandwidth cap; use max-bps and total-quota", Custom{Arity::Required, check_bps_capacity}},
};
// clang-format on

}  // namespace

std::span<const Option> options() {
  return kOptions;
}

const Option* find_option(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const auto& o : kOptions)
    if (o.name == name) return &o;
  return nullptr;
}

const Option* find_short_option(char flag) {
  for (const auto& o : kOptions)
    if (flag != 0 && o.short_flag == flag) return &o;
  return nullptr;
}

Arity arity(const Option& option) {
  struct Visitor {
    Arity operator()(const Flag&) const { return Arity::None; }
    Arity operator()(const Text&) const { return Arity::Required; }
    Arity operator()(const List&) const { return Arity::Required; }
    Arity operator()(const Number&) const { return Arity::Required; }
    Arity operator()(const Custom& c) const { return c.arity; }
    Arity operator()(const Ignored& i) const {
      return i.takes_value ? Arity::Required : Arity::None;
    }
    Arity operator()(const Refused& r) const {
      return r.takes_value ? Arity::Required : Arity::None;
    }
  };
  return std::visit(Visitor{}, option.action);
}

bool is_repeatable(const Option& option) {
  if (std::holds_alternative<List>(option.action)) return true;
  if (std::holds_alternative<Ignored>(option.action)) return true;  // warned about anyway
  const auto* custom = std::get_if<Custom>(&option.action);
  return custom != nullptr && custom->repeatable;
}

namespace {

char fold(char c) {
  if (c == '_') return '-';
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Levenshtein distance, with '_' as '-' and case ignored: the slips a hand makes.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t replace = diagonal + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, replace});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string_view> nearest_option(std::string_view unknown) {
  std::optional<std::string_view> best;
  size_t best_distance = 0;
  for (const auto& o : kOptions) {
    if (o.name.empty()) continue;
    size_t d = distance(unknown, o.name);
    // A third of the name may be wrong, so "tls-port" finds nothing but "listen-port" does.
    if (d * 3 > std::max(unknown.size(), o.name.size())) continue;
    if (!best || d < best_distance) {
      best = o.name;
      best_distance = d;
    }
  }
  return best;
}

bool is_command_line_only(const Option& option) {
  const auto* custom = std::get_if<Custom>(&option.action);
  return custom != nullptr && custom->apply == nullptr;
}

Refusal apply(const Option& option, ParseState& state, std::optional<std::string_view> value) {
  struct Visitor {
    ParseState& s;
    std::optional<std::string_view> v;
    const Option& o;

    Refusal operator()(const Flag& f) const {
      auto on = parse_bool(v);
      if (!on) return not_boolean(*v);
      s.config.*f.field = *on ? f.when_set : !f.when_set;
      return std::nullopt;
    }
    Refusal operator()(const Text& t) const {
      if (!v || v->empty()) return "needs a value";
      if (t.check)
        if (auto r = t.check(*v)) return r;
      s.config.*t.field = std::string(*v);
      return std::nullopt;
    }
    Refusal operator()(const List& l) const {
      if (!v || v->empty()) return "needs a value";
      if (l.check)
        if (auto r = l.check(*v)) return r;
      (s.config.*l.field).emplace_back(*v);
      return std::nullopt;
    }
    Refusal operator()(const Number& n) const {
      if (!v) return "needs a value";
      uint64_t out = 0;
      if (auto r = read_number(*v, n.min, n.max, n.is_port, out)) return r;
      std::visit(
          [&](auto field) {
            s.config.*field = static_cast<std::remove_reference_t<decltype(s.config.*field)>>(out);
          },
          n.field);
      return std::nullopt;
    }
    Refusal operator()(const Custom& c) const { return c.apply(s, v); }
    Refusal operator()(const Ignored&) const {
      s.warnings.push_back("ignored: " + std::string(o.name) + " (" + std::string(o.help) + ")");
      return std::nullopt;
    }
    Refusal operator()(const Refused&) const { return std::string(o.help); }
  };
  return std::visit(Visitor{state, value, option}, option.action);
}

}  // namespace tern::config
