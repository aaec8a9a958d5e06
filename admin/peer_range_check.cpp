#include "admin/peer_range_check.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>

namespace tern::admin {
namespace {

struct Ip {
  int family = 0;
  std::array<uint8_t, 16> bytes{};
  size_t size = 0;  // 4 or 16
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<Ip> parse_ip(std::string_view text) {
  const std::string s(trim(text));
  Ip ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    ip.size = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    ip.size = 16;
    return ip;
  }
  return std::nullopt;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::optional<std::string> span_error(std::string_view range, std::string_view a,
                                      std::string_view b) {
  auto first = parse_ip(a), last = parse_ip(b);
  if (!first) return quoted(range) + ": '" + std::string(trim(a)) + "' is not an IP address";
  if (!last) return quoted(range) + ": '" + std::string(trim(b)) + "' is not an IP address";
  if (first->family != last->family) return quoted(range) + ": the range mixes IPv4 and IPv6";
  // Big-endian bytes of one length compare as the integers they spell.
  if (first->bytes > last->bytes) return quoted(range) + ": the first address is above the last";
  return std::nullopt;
}

std::optional<std::string> cidr_error(std::string_view range, std::string_view a,
                                      std::string_view len_text) {
  auto ip = parse_ip(a);
  if (!ip) return quoted(range) + ": '" + std::string(trim(a)) + "' is not an IP address";
  len_text = trim(len_text);
  unsigned len = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || len_text.size() > 3 || ec != std::errc{} ||
      end != len_text.data() + len_text.size()) {
    return quoted(range) + ": prefix length '" + std::string(len_text) + "' is not a number";
  }
  const unsigned width = static_cast<unsigned>(ip->size * 8);
  if (len > width) {
    return quoted(range) + ": prefix length " + std::to_string(len) + " is longer than the " +
           std::to_string(width) + " bits of the address";
  }
  for (unsigned bit = len; bit < width; ++bit) {
    if (ip->bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return quoted(range) + ": bits are set past the /" + std::to_string(len) + " prefix";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> peer_range_error(std::string_view range) {
  const std::string_view t = trim(range);
  if (t.empty()) return std::string("the peer range is empty");
  if (const size_t slash = t.find('/'); slash != std::string_view::npos) {
    return cidr_error(range, t.substr(0, slash), t.substr(slash + 1));
  }
  if (const size_t dash = t.find('-'); dash != std::string_view::npos) {
    return span_error(range, t.substr(0, dash), t.substr(dash + 1));
  }
  if (!parse_ip(t)) return quoted(range) + ": not an IP address, IP-IP range or CIDR";
  return std::nullopt;
}

}  // namespace tern::admin
