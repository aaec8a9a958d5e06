#include "base/ip_range.h"

#include <charconv>
#include <compare>
#include <optional>

#include "base/socket_address.h"
#include "protocol/byte_order.h"

namespace tern {
namespace {

// An address as an unsigned integer; the defaulted <=> compares hi before lo, which is
// exactly the order of the 128-bit number.
struct U128 {
  uint64_t hi = 0, lo = 0;
  friend auto operator<=>(const U128&, const U128&) = default;
  U128 operator&(const U128& o) const { return {hi & o.hi, lo & o.lo}; }
  U128 operator|(const U128& o) const { return {hi | o.hi, lo | o.lo}; }
  U128 operator~() const { return {~hi, ~lo}; }
};

uint64_t load_u64(const uint8_t* p) {
  return (uint64_t{load_u32(p)} << 32) | load_u32(p + 4);
}

// Only the first 4 bytes of an IPv4 address count, whatever the rest holds.
U128 value_of(Family family, const std::array<uint8_t, 16>& ip) {
  if (family == Family::V4) return {0, load_u32(ip.data())};
  return {load_u64(ip.data()), load_u64(ip.data() + 8)};
}

std::array<uint8_t, 16> bytes_of(Family family, U128 v) {
  std::array<uint8_t, 16> out{};
  if (family == Family::V4) {
    store_u32(out.data(), static_cast<uint32_t>(v.lo));
  } else {
    store_u32(out.data(), static_cast<uint32_t>(v.hi >> 32));
    store_u32(out.data() + 4, static_cast<uint32_t>(v.hi));
    store_u32(out.data() + 8, static_cast<uint32_t>(v.lo >> 32));
    store_u32(out.data() + 12, static_cast<uint32_t>(v.lo));
  }
  return out;
}

// The low `bits` bits set (0..128).
U128 low_bits(unsigned bits) {
  constexpr uint64_t kAll = ~uint64_t{0};
  if (bits == 0) return {};
  if (bits < 64) return {0, (uint64_t{1} << bits) - 1};
  if (bits == 64) return {0, kAll};
  if (bits < 128) return {(uint64_t{1} << (bits - 64)) - 1, kAll};
  return {kAll, kAll};
}

unsigned width_of(Family f) {
  return f == Family::V4 ? 32 : 128;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using ParseResult = Result<IpRange, std::string>;

ParseResult fail(std::string_view input, std::string_view reason) {
  return unexpected("\"" + std::string(input) + "\": " + std::string(reason));
}

std::optional<TransportAddress> address(std::string_view text) {
  return parse_ip(trim(text));
}

ParseResult parse_span(std::string_view input, std::string_view a, std::string_view b) {
  auto first = address(a);
  if (!first) return fail(input, "'" + std::string(trim(a)) + "' is not an IP address");
  auto last = address(b);
  if (!last) return fail(input, "'" + std::string(trim(b)) + "' is not an IP address");
  if (first->family != last->family) return fail(input, "the range mixes IPv4 and IPv6");
  if (value_of(first->family, first->ip) > value_of(last->family, last->ip)) {
    return fail(input, "the first address is above the last");
  }
  return IpRange{first->family, first->ip, last->ip};
}

ParseResult parse_cidr(std::string_view input, std::string_view a, std::string_view len_text) {
  auto addr = address(a);
  if (!addr) return fail(input, "'" + std::string(trim(a)) + "' is not an IP address");
  len_text = trim(len_text);
  unsigned len = 0;
  // from_chars takes no sign or space, and the size cap keeps "/0000000000001" from
  // passing as 1.
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || len_text.size() > 3 || ec != std::errc{} ||
      end != len_text.data() + len_text.size()) {
    return fail(input, "prefix length '" + std::string(len_text) + "' is not a number");
  }
  const unsigned width = width_of(addr->family);
  if (len > width) {
    return fail(input, "prefix length " + std::to_string(len) + " is longer than the " +
                           std::to_string(width) + " bits of the address");
  }
  const U128 host = low_bits(width - len);
  const U128 v = value_of(addr->family, addr->ip);
  const U128 network = v & ~host;
  if (network != v) {
    TransportAddress n{addr->family, bytes_of(addr->family, network), 0};
    return fail(input, "bits are set past the /" + std::to_string(len) +
                           " prefix (the network is " + n.ip_string() + "/" + std::to_string(len) +
                           ")");
  }
  return IpRange{addr->family, bytes_of(addr->family, network), bytes_of(addr->family, v | host)};
}

}  // namespace

ParseResult IpRange::parse(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return fail(text, "empty; expected IP, IP-IP or IP/len");
  const size_t dash = t.find('-'), slash = t.find('/');
  if (dash != std::string_view::npos && slash != std::string_view::npos) {
    return fail(text, "use either IP-IP or IP/len, not both");
  }
  if (dash != std::string_view::npos)
    return parse_span(text, t.substr(0, dash), t.substr(dash + 1));
  if (slash != std::string_view::npos) {
    return parse_cidr(text, t.substr(0, slash), t.substr(slash + 1));
  }
  auto one = address(t);
  if (!one) return fail(text, "not an IP address");
  return IpRange::single(*one);
}

IpRange IpRange::single(const TransportAddress& a) {
  const std::array<uint8_t, 16> ip = bytes_of(a.family, value_of(a.family, a.ip));
  return IpRange{a.family, ip, ip};
}

bool IpRange::contains(const TransportAddress& a) const {
  if (a.family != family) return false;
  const U128 v = value_of(a.family, a.ip);
  return value_of(family, first) <= v && v <= value_of(family, last);
}

std::string IpRange::to_string() const {
  const std::string a = TransportAddress{family, first, 0}.ip_string();
  if (first == last) return a;
  return a + "-" + TransportAddress{family, last, 0}.ip_string();
}

Result<std::vector<IpRange>, std::string> parse_ip_ranges(const std::vector<std::string>& texts) {
  std::vector<IpRange> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) {
    auto r = IpRange::parse(t);
    if (!r) return unexpected(r.error());
    out.push_back(*r);
  }
  return out;
}

}  // namespace tern
