#include "base/redis/redis_connection_string.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <optional>

namespace tern {
namespace {

enum class Field : uint8_t {
  Host,
  Port,
  Db,
  User,
  Password,
  Timeout,
  Sentinel,
  Master,
  SentinelPassword,
  Tls,
  TlsCa,
  TlsCaPath,
  TlsCert,
  TlsKey,
  TlsSni,
  TlsVerify
};

struct Alias {
  std::string_view key;
  Field field;
};

constexpr std::array kAliases = {
    Alias{"host", Field::Host},
    Alias{"ip", Field::Host},
    Alias{"addr", Field::Host},
    Alias{"ipaddr", Field::Host},
    Alias{"hostaddr", Field::Host},
    Alias{"port", Field::Port},
    Alias{"p", Field::Port},
    Alias{"dbname", Field::Db},
    Alias{"db", Field::Db},
    Alias{"database", Field::Db},
    Alias{"user", Field::User},
    Alias{"uname", Field::User},
    Alias{"name", Field::User},
    Alias{"username", Field::User},
    Alias{"password", Field::Password},
    Alias{"pwd", Field::Password},
    Alias{"passwd", Field::Password},
    Alias{"secret", Field::Password},
    Alias{"connect_timeout", Field::Timeout},
    Alias{"timeout", Field::Timeout},
    Alias{"sentinel", Field::Sentinel},
    Alias{"sentinels", Field::Sentinel},
    Alias{"master", Field::Master},
    Alias{"master_name", Field::Master},
    Alias{"sentinel-password", Field::SentinelPassword},
    Alias{"sentinel_password", Field::SentinelPassword},
    Alias{"tls", Field::Tls},
    Alias{"ssl", Field::Tls},
    Alias{"ca", Field::TlsCa},
    Alias{"cacert", Field::TlsCa},
    Alias{"tls-ca", Field::TlsCa},
    Alias{"capath", Field::TlsCaPath},
    Alias{"tls-capath", Field::TlsCaPath},
    Alias{"cert", Field::TlsCert},
    Alias{"tls-cert", Field::TlsCert},
    Alias{"clientkey", Field::TlsKey},
    Alias{"tls-key", Field::TlsKey},
    Alias{"key", Field::TlsKey},
    Alias{"sni", Field::TlsSni},
    Alias{"servername", Field::TlsSni},
    Alias{"tls-sni", Field::TlsSni},
    Alias{"verify", Field::TlsVerify},
    Alias{"tls-verify", Field::TlsVerify},
};

constexpr uint16_t kSentinelPort = 26379;

constexpr uint32_t kMaxTimeoutSeconds = 3600;
constexpr std::chrono::seconds kDefaultTimeout{5};

std::optional<Field> field_of(std::string_view key) {
  for (const auto& alias : kAliases) {
    if (alias.key == key) return alias.field;
  }
  return std::nullopt;
}

// All decimal digits, no sign, no spaces: "+5" or "5s" would be typos, not numbers.
std::optional<uint64_t> decimal(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint16_t> port_number(std::string_view text) {
  const auto port = decimal(text);
  if (!port || *port == 0 || *port > 65535) return std::nullopt;
  return static_cast<uint16_t>(*port);
}

// "HOST", "HOST:PORT", "[V6]", "[V6]:PORT"; the error names the item by its position only.
std::optional<std::string> parse_sentinel(std::string_view item, size_t n, RedisHostPort& out) {
  const auto bad = [n](std::string_view why) { return fmt::format("sentinel {} {}", n, why); };
  std::string_view host = item, port;
  if (item.starts_with('[')) {
    const size_t close = item.find(']');
    if (close == std::string_view::npos) return bad("has no closing ]");
    host = item.substr(1, close - 1);
    const std::string_view rest = item.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return bad("is not [ADDRESS]:PORT");
    port = rest.empty() ? rest : rest.substr(1);
    if (rest == ":") return bad("has an empty port");
  } else if (const size_t colon = item.rfind(':'); colon != std::string_view::npos) {
    if (item.find(':') != colon) return bad("is an IPv6 address without [ ]: write [ADDRESS]:PORT");
    host = item.substr(0, colon);
    port = item.substr(colon + 1);
    if (port.empty()) return bad("has an empty port");
  }
  if (host.empty()) return bad("has no host");
  out.host = host;
  out.port = kSentinelPort;
  if (!port.empty()) {
    const auto number = port_number(port);
    if (!number) return bad("port is not a port number from 1 to 65535");
    out.port = *number;
  }
  return std::nullopt;
}

std::optional<std::string> parse_sentinels(std::string_view list, std::vector<RedisHostPort>& out) {
  out.clear();
  if (list.empty()) return "sentinel is empty (HOST:PORT[,HOST:PORT...])";
  size_t n = 0;
  for (;;) {
    const size_t comma = std::min(list.find(','), list.size());
    RedisHostPort sentinel;
    if (auto error = parse_sentinel(list.substr(0, comma), ++n, sentinel)) return error;
    out.push_back(std::move(sentinel));
    if (comma == list.size()) return std::nullopt;
    list.remove_prefix(comma + 1);
  }
}

// coturn's ry_parse_bool words.
std::optional<bool> boolean(std::string_view text) {
  for (std::string_view yes : {"1", "true", "on", "yes"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"0", "false", "off", "no"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

std::optional<std::string> set_path(std::string& out, std::string_view key,
                                    std::string_view value) {
  if (value.empty()) return fmt::format("{} is empty (a file name)", key);
  out = value;
  return std::nullopt;
}

std::optional<std::string> apply_tls(RedisTlsConfig& tls, Field field, std::string_view key,
                                     std::string_view value) {
  switch (field) {
    case Field::Tls: {
      const auto on = boolean(value);
      if (!on) return fmt::format("{} is not 1/0, true/false, on/off or yes/no", key);
      tls.enabled = *on;
      return std::nullopt;
    }
    case Field::TlsCa:
      return set_path(tls.ca, key, value);
    case Field::TlsCaPath:
      return set_path(tls.capath, key, value);
    case Field::TlsCert:
      return set_path(tls.cert, key, value);
    case Field::TlsKey:
      return set_path(tls.key, key, value);
    case Field::TlsSni:
      if (value.empty()) return fmt::format("{} is empty", key);
      tls.sni = value;
      return std::nullopt;
    case Field::TlsVerify:
      if (value == "peer" || value == "1" || value == "true") {
        tls.verify = true;
      } else if (value == "none" || value == "0" || value == "false") {
        tls.verify = false;
      } else {
        return fmt::format("{} is not peer or none", key);
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<std::string> apply(RedisConnectionConfig& config, Field field, std::string_view key,
                                 std::string_view value) {
  switch (field) {
    case Field::Host:
      if (value.empty()) return fmt::format("{} is empty", key);
      config.host = value;
      return std::nullopt;
    case Field::Port: {
      const auto port = port_number(value);
      if (!port) return fmt::format("{} is not a port number from 1 to 65535", key);
      config.port = *port;
      return std::nullopt;
    }
    case Field::Db: {
      const auto db = decimal(value);
      if (!db || *db > std::numeric_limits<int32_t>::max()) {
        return fmt::format("{} is not a database number (0, 1, 2, ...)", key);
      }
      config.db = static_cast<uint32_t>(*db);
      return std::nullopt;
    }
    case Field::User:
      config.user = value;
      return std::nullopt;
    case Field::Password:
      config.password = value;
      return std::nullopt;
    case Field::Timeout: {
      const auto seconds = decimal(value);
      if (!seconds || *seconds > kMaxTimeoutSeconds) {
        return fmt::format("{} is not a number of seconds from 0 to {}", key, kMaxTimeoutSeconds);
      }
      // coturn reads 0 as "no timeout"; an async client still needs one to notice a hung
      // server, so 0 means the default.
      config.connect_timeout = *seconds == 0 ? kDefaultTimeout : std::chrono::seconds(*seconds);
      return std::nullopt;
    }
    case Field::Sentinel:
      return parse_sentinels(value, config.sentinels);
    case Field::Master:
      if (value.empty()) return fmt::format("{} is empty", key);
      config.master = value;
      return std::nullopt;
    case Field::SentinelPassword:
      config.sentinel_password = value;
      return std::nullopt;
    default:
      return apply_tls(config.tls, field, key, value);
  }
  return std::nullopt;
}

// Keys are echoed in errors only when short and printable, so a control character cannot
// forge a log line.
bool printable(std::string_view s) {
  return s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// With Sentinel the server has no fixed address; a fixed one conflicts with it.
std::optional<std::string> check_sentinel(const RedisConnectionConfig& config, bool host_given) {
  if (config.uses_sentinel() && config.master.empty()) {
    return "sentinel= needs master=NAME (the name the sentinels monitor)";
  }
  if (!config.master.empty() && !config.uses_sentinel()) {
    return "master= needs sentinel=HOST:PORT[,HOST:PORT...]";
  }
  if (config.uses_sentinel() && host_given) {
    return "host/ip/port and sentinel= exclude each other: the sentinels name the master";
  }
  if (!config.sentinel_password.empty() && !config.uses_sentinel()) {
    return "sentinel-password= needs sentinel=HOST:PORT[,HOST:PORT...]";
  }
  return std::nullopt;
}

std::optional<std::string> check_tls(const RedisTlsConfig& tls) {
  if (tls.cert.empty() != tls.key.empty()) {
    return "cert= and clientkey= go together (a client certificate and its key)";
  }
  const bool any = !tls.ca.empty() || !tls.capath.empty() || !tls.cert.empty() ||
                   !tls.sni.empty() || !tls.verify;
  if (any && !tls.enabled) return "ca=, capath=, cert=, clientkey=, sni= and verify= need tls=1";
  return std::nullopt;
}

}  // namespace

std::string RedisHostPort::address() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string RedisConnectionConfig::address() const {
  if (uses_sentinel()) return "master " + master;
  return RedisHostPort{host, port}.address();
}

Result<RedisConnectionConfig, std::string> parse_redis_connection_string(std::string_view text) {
  RedisConnectionConfig config;
  config.connect_timeout = kDefaultTimeout;
  size_t item = 0;
  bool host_given = false;
  while (!text.empty()) {
    const size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const size_t end = std::min(text.find(' '), text.size());
    const std::string_view pair = text.substr(0, end);
    text.remove_prefix(end);
    ++item;

    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return unexpected(fmt::format("item {} is not key=value", item));
    }
    const std::string_view key = pair.substr(0, eq);
    const auto field = field_of(key);
    if (!field) {
      return unexpected(fmt::format(
          "unknown key \"{}\" (known: host, ip, port, dbname, user, password, connect_timeout, "
          "sentinel, master, sentinel-password, tls, ca, capath, cert, clientkey, sni, verify)",
          printable(key) ? key : "?"));
    }
    if (auto error = apply(config, *field, key, pair.substr(eq + 1))) return unexpected(*error);
    host_given = host_given || *field == Field::Host || *field == Field::Port;
  }
  if (auto error = check_sentinel(config, host_given)) return unexpected(*error);
  if (auto error = check_tls(config.tls)) return unexpected(*error);
  return config;
}

}  // namespace tern
