#include "base/proxy_protocol.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "base/socket_address.h"
#include "protocol/byte_order.h"

namespace tern {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::array<uint8_t, 12> kV2Signature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr size_t kV2Fixed = 16;

// True when the first `n` bytes of `data` match the first `n` of `prefix`.
template <typename Prefix>
bool starts_like(std::span<const uint8_t> data, const Prefix& prefix) {
  const size_t n = std::min(data.size(), std::size(prefix));
  return std::equal(data.begin(), data.begin() + static_cast<ptrdiff_t>(n), std::begin(prefix));
}

std::optional<uint16_t> parse_port(std::string_view text) {
  // "a decimal integer in the range [0..65535]": digits only, no sign, no leading zero.
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::optional<TransportAddress> parse_v1_address(std::string_view text, Family family,
                                                 std::string_view port_text) {
  auto port = parse_port(port_text);
  if (!port) return std::nullopt;
  auto a = parse_ip(text, *port);
  if (!a || a->family != family) return std::nullopt;
  return a;
}

// "PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n" or "PROXY UNKNOWN[ anything]\r\n".
Result<ProxyHeader, ProxyError> parse_v1(std::span<const uint8_t> data) {
  const std::string_view all(reinterpret_cast<const char*>(data.data()),
                             std::min(data.size(), kMaxProxyV1Header));
  // The first CR ends the line: it must be followed by LF, within the spec's 107 bytes.
  const size_t cr = all.find('\r');
  if (cr == std::string_view::npos || cr + 1 == all.size()) {
    if (all.size() >= kMaxProxyV1Header) return unexpected(ProxyError::Malformed);
    return unexpected(ProxyError::NeedMore);
  }
  if (all[cr + 1] != '\n') return unexpected(ProxyError::Malformed);
  ProxyHeader h;
  h.version = 1;
  h.size = cr + 2;
  std::string_view line = all.substr(kV1Prefix.size(), cr - kV1Prefix.size());
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
    h.local = true;
    return h;
  }
  std::array<std::string_view, 5> fields;
  for (auto& field : fields) {
    const size_t space = line.find(' ');
    field = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (field.empty()) return unexpected(ProxyError::Malformed);
  }
  if (!line.empty() || all.substr(0, cr).ends_with(' ')) return unexpected(ProxyError::Malformed);
  Family family;
  if (fields[0] == "TCP4") {
    family = Family::V4;
  } else if (fields[0] == "TCP6") {
    family = Family::V6;
  } else {
    return unexpected(ProxyError::Malformed);
  }
  h.source = parse_v1_address(fields[1], family, fields[3]);
  h.destination = parse_v1_address(fields[2], family, fields[4]);
  if (!h.source || !h.destination) return unexpected(ProxyError::Malformed);
  return h;
}

// The TLVs after the addresses are not used, but must tile the rest of the header
// exactly: a length that points past it is a broken header, not one to guess at.
bool tlvs_fit(std::span<const uint8_t> tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < 3) return false;
    const size_t length = load_u16(tlvs.data() + 1);
    if (tlvs.size() < 3 + length) return false;
    tlvs = tlvs.subspan(3 + length);
  }
  return true;
}

Result<ProxyHeader, ProxyError> parse_v2(std::span<const uint8_t> data) {
  if (data.size() < kV2Fixed) return unexpected(ProxyError::NeedMore);
  const uint8_t version = data[12] >> 4, command = data[12] & 0x0F;
  const uint8_t family = data[13] >> 4, protocol = data[13] & 0x0F;
  const size_t length = load_u16(data.data() + 14);
  if (version != 2 || command > 1 || family > 3 || protocol > 2) {
    return unexpected(ProxyError::Malformed);
  }
  if (kV2Fixed + length > kMaxProxyHeader) return unexpected(ProxyError::Malformed);
  static constexpr std::array<size_t, 4> kAddressBytes{0, 12, 36, 216};
  if (length < kAddressBytes[family]) return unexpected(ProxyError::Malformed);
  if (data.size() < kV2Fixed + length) return unexpected(ProxyError::NeedMore);
  const auto body = data.subspan(kV2Fixed, length);
  if (!tlvs_fit(body.subspan(kAddressBytes[family]))) return unexpected(ProxyError::Malformed);

  ProxyHeader h;
  h.version = 2;
  h.size = kV2Fixed + length;
  h.datagram = protocol == 2;
  // LOCAL: "the receiver must accept this connection as valid and must use the real
  // connection endpoints and discard the protocol block including the family".
  if (command == 0 || family == 0) {
    h.local = true;
    return h;
  }
  if (family == 3) return unexpected(ProxyError::Unsupported);
  const uint8_t* p = body.data();
  if (family == 1) {
    h.source = TransportAddress::v4({p[0], p[1], p[2], p[3]}, load_u16(p + 8));
    h.destination = TransportAddress::v4({p[4], p[5], p[6], p[7]}, load_u16(p + 10));
  } else {
    std::array<uint8_t, 16> src, dst;
    std::memcpy(src.data(), p, 16);
    std::memcpy(dst.data(), p + 16, 16);
    h.source = TransportAddress::v6(src, load_u16(p + 32));
    h.destination = TransportAddress::v6(dst, load_u16(p + 34));
  }
  return h;
}

}  // namespace

const char* to_string(ProxyError e) {
  switch (e) {
    case ProxyError::NeedMore:
      return "incomplete PROXY header";
    case ProxyError::Malformed:
      return "malformed PROXY header";
    case ProxyError::Unsupported:
      return "PROXY header for an AF_UNIX client";
  }
  return "?";
}

Result<ProxyHeader, ProxyError> parse_proxy_header(std::span<const uint8_t> data) {
  if (data.empty()) return unexpected(ProxyError::NeedMore);
  if (starts_like(data, kV2Signature)) {
    if (data.size() < kV2Signature.size()) return unexpected(ProxyError::NeedMore);
    return parse_v2(data);
  }
  if (starts_like(data, kV1Prefix)) {
    if (data.size() < kV1Prefix.size()) return unexpected(ProxyError::NeedMore);
    return parse_v1(data);
  }
  return unexpected(ProxyError::Malformed);
}

size_t write_proxy_v2(std::span<uint8_t, 52> out, const TransportAddress& source,
                      const TransportAddress& destination, bool datagram) {
  std::memcpy(out.data(), kV2Signature.data(), kV2Signature.size());
  const bool v4 = source.family == Family::V4;
  const size_t ip = v4 ? 4 : 16;
  out[12] = 0x21;  // version 2, PROXY
  out[13] = static_cast<uint8_t>((v4 ? 0x10 : 0x20) | (datagram ? 2 : 1));
  store_u16(out.data() + 14, static_cast<uint16_t>(2 * ip + 4));
  uint8_t* p = out.data() + kV2Fixed;
  std::memcpy(p, source.ip.data(), ip);
  std::memcpy(p + ip, destination.ip.data(), ip);
  store_u16(p + 2 * ip, source.port);
  store_u16(p + 2 * ip + 2, destination.port);
  return kV2Fixed + 2 * ip + 4;
}

}  // namespace tern
