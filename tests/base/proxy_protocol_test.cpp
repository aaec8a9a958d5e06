#include "base/proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::ip;

std::vector<uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

// The v2 signature, then version/command, family/protocol and the length.
std::vector<uint8_t> v2(uint8_t command, uint8_t family_protocol, std::vector<uint8_t> body) {
  std::vector<uint8_t> out{0x0D,
                           0x0A,
                           0x0D,
                           0x0A,
                           0x00,
                           0x0D,
                           0x0A,
                           0x51,
                           0x55,
                           0x49,
                           0x54,
                           0x0A,
                           command,
                           family_protocol,
                           static_cast<uint8_t>(body.size() >> 8),
                           static_cast<uint8_t>(body.size())};
  for (uint8_t b : body) out.push_back(b);
  return out;
}

// 192.168.0.1:56324 -> 192.168.0.11:443, the spec's example connection.
const std::vector<uint8_t> kInetBody{192, 168, 0, 1, 192, 168, 0, 11, 0xDC, 0x04, 0x01, 0xBB};

ProxyHeader parsed(const std::vector<uint8_t>& data) {
  auto h = parse_proxy_header(data);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : to_string(h.error()));
  return h.ok() ? *h : ProxyHeader{};
}

ProxyError error_of(const std::vector<uint8_t>& data) {
  auto h = parse_proxy_header(data);
  EXPECT_FALSE(h.ok());
  return h.ok() ? ProxyError::NeedMore : h.error();
}

// Every proper prefix of a valid header is "need more", never an error or a header.
void expect_prefixes_need_more(const std::vector<uint8_t>& header) {
  for (size_t n = 0; n < header.size(); ++n) {
    auto h = parse_proxy_header(std::span(header).first(n));
    ASSERT_FALSE(h.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(h.error(), ProxyError::NeedMore) << "prefix of " << n << " bytes";
  }
}

TEST(ProxyProtocol_V1, SpecExampleTcp4_NamesClientAndServer) {
  const auto data = bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /");
  ProxyHeader h = parsed(data);
  EXPECT_EQ(h.version, 1);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.size, data.size() - 5);
  EXPECT_EQ(h.source, ip("192.168.0.1", 56324));
  EXPECT_EQ(h.destination, ip("192.168.0.11", 443));
}

TEST(ProxyProtocol_V1, LongestTcp6_Is104Bytes) {
  const auto data = bytes(
      "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
      "65535 65535\r\n");
  ProxyHeader h = parsed(data);
  EXPECT_EQ(h.size, 104u);
  EXPECT_EQ(h.source, ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535));
}

TEST(ProxyProtocol_V1, Unknown_UsesTheConnection) {
  ProxyHeader h = parsed(bytes("PROXY UNKNOWN\r\n"));
  EXPECT_TRUE(h.local);
  EXPECT_FALSE(h.source);
  EXPECT_EQ(h.size, 15u);
  h = parsed(bytes(
      "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:"
      "ffff 65535 65535\r\n"));
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.size, 107u);
}

TEST(ProxyProtocol_V1, EveryTruncation_NeedsMore) {
  expect_prefixes_need_more(bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
  expect_prefixes_need_more(bytes("PROXY TCP6 ::1 ::2 1 2\r\n"));
  expect_prefixes_need_more(bytes("PROXY UNKNOWN\r\n"));
}

TEST(ProxyProtocol_V1, BrokenLines_AreMalformed) {
  for (const char* line : {
           "PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n",        // a field short
           "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 1\r\n",  // a field long
           "PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n",   // two spaces
           "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n",   // trailing space
           "PROXY TCP4 ::1 ::2 56324 443\r\n",                     // family mismatch
           "PROXY TCP6 192.168.0.1 192.168.0.11 56324 443\r\n",    // family mismatch
           "PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n",    // port too large
           "PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n",   // leading zero
           "PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n",       // sign
           "PROXY TCP4 192.168.0.256 192.168.0.11 1 443\r\n",      // not an address
           "PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n",    // unknown protocol
           "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX",     // lone CR
           "proxy TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",    // case
           "GET / HTTP/1.0\r\n",                                   // not PROXY at all
       }) {
    EXPECT_EQ(error_of(bytes(line)), ProxyError::Malformed) << line;
  }
}

TEST(ProxyProtocol_V1, NoLineEndWithin107Bytes_IsMalformed) {
  std::string line = "PROXY UNKNOWN ";
  line.append(kMaxProxyV1Header - line.size(), 'x');
  EXPECT_EQ(error_of(bytes(line)), ProxyError::Malformed);
  line.pop_back();
  EXPECT_EQ(error_of(bytes(line)), ProxyError::NeedMore);
}

TEST(ProxyProtocol_V2, ProxyInetStream_ByteExact) {
  auto data = v2(0x21, 0x11, kInetBody);
  data.push_back(0x16);  // the client's first byte (a TLS record), not part of the header
  ProxyHeader h = parsed(data);
  EXPECT_EQ(h.version, 2);
  EXPECT_FALSE(h.local);
  EXPECT_FALSE(h.datagram);
  EXPECT_EQ(h.size, 28u);
  EXPECT_EQ(h.source, ip("192.168.0.1", 56324));
  EXPECT_EQ(h.destination, ip("192.168.0.11", 443));
}

TEST(ProxyProtocol_V2, ProxyInet6Dgram_ByteExact) {
  std::vector<uint8_t> body(36, 0);
  body[15] = 1;     // ::1
  body[16] = 0x20;  // 2001:db8::2
  body[17] = 0x01;
  body[18] = 0x0d;
  body[19] = 0xb8;
  body[31] = 2;
  body[32] = 0x13;  // 4999
  body[33] = 0x87;
  body[34] = 0x0D;  // 3478
  body[35] = 0x96;
  ProxyHeader h = parsed(v2(0x21, 0x22, body));
  EXPECT_TRUE(h.datagram);
  EXPECT_EQ(h.size, 52u);
  EXPECT_EQ(h.source, ip("::1", 4999));
  EXPECT_EQ(h.destination, ip("2001:db8::2", 3478));
}

TEST(ProxyProtocol_V2, Writer_RoundTrips) {
  std::array<uint8_t, 52> out{};
  const size_t n = write_proxy_v2(out, ip("192.168.0.1", 56324), ip("192.168.0.11", 443), false);
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + static_cast<ptrdiff_t>(n)),
            v2(0x21, 0x11, kInetBody));
  const size_t n6 = write_proxy_v2(out, ip("::1", 7), ip("::2", 8), true);
  ProxyHeader h = parsed({out.begin(), out.begin() + static_cast<ptrdiff_t>(n6)});
  EXPECT_TRUE(h.datagram);
  EXPECT_EQ(h.source, ip("::1", 7));
  EXPECT_EQ(h.destination, ip("::2", 8));
}

TEST(ProxyProtocol_V2, Local_IgnoresTheAddresses) {
  ProxyHeader h = parsed(v2(0x20, 0x11, kInetBody));
  EXPECT_TRUE(h.local);
  EXPECT_FALSE(h.source);
  h = parsed(v2(0x20, 0x00, {}));
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.size, 16u);
  // PROXY over AF_UNSPEC: the spec's "unknown" family, treated like LOCAL.
  EXPECT_TRUE(parsed(v2(0x21, 0x00, {})).local);
}

TEST(ProxyProtocol_V2, Tlvs_AreSkipped) {
  auto body = kInetBody;
  // PP2_TYPE_ALPN "h2", then a NOOP of zero length.
  for (uint8_t b : {0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00}) body.push_back(b);
  ProxyHeader h = parsed(v2(0x21, 0x11, body));
  EXPECT_EQ(h.size, 16 + body.size());
  EXPECT_EQ(h.source, ip("192.168.0.1", 56324));
}

TEST(ProxyProtocol_V2, TlvPastTheHeader_IsMalformed) {
  auto body = kInetBody;
  for (uint8_t b : {0x01, 0x00, 0x05, 0x68, 0x32}) body.push_back(b);
  EXPECT_EQ(error_of(v2(0x21, 0x11, body)), ProxyError::Malformed);
  body = kInetBody;
  body.push_back(0x01);  // a TLV cut inside its type/length
  EXPECT_EQ(error_of(v2(0x21, 0x11, body)), ProxyError::Malformed);
}

TEST(ProxyProtocol_V2, EveryTruncation_NeedsMore) {
  expect_prefixes_need_more(v2(0x21, 0x11, kInetBody));
  expect_prefixes_need_more(v2(0x21, 0x22, std::vector<uint8_t>(36, 1)));
  expect_prefixes_need_more(v2(0x20, 0x00, {}));
}

TEST(ProxyProtocol_V2, BadFields_AreMalformed) {
  EXPECT_EQ(error_of(v2(0x11, 0x11, kInetBody)), ProxyError::Malformed);  // version 1
  EXPECT_EQ(error_of(v2(0x31, 0x11, kInetBody)), ProxyError::Malformed);  // version 3
  EXPECT_EQ(error_of(v2(0x22, 0x11, kInetBody)), ProxyError::Malformed);  // command 2
  EXPECT_EQ(error_of(v2(0x21, 0x41, kInetBody)), ProxyError::Malformed);  // family 4
  EXPECT_EQ(error_of(v2(0x21, 0x13, kInetBody)), ProxyError::Malformed);  // protocol 3
  // Shorter than the family's addresses.
  EXPECT_EQ(error_of(v2(0x21, 0x11, std::vector<uint8_t>(11, 0))), ProxyError::Malformed);
  EXPECT_EQ(error_of(v2(0x21, 0x21, kInetBody)), ProxyError::Malformed);
  // A wrong signature byte.
  auto data = v2(0x21, 0x11, kInetBody);
  data[6] = 0x0B;
  EXPECT_EQ(error_of(data), ProxyError::Malformed);
}

TEST(ProxyProtocol_V2, LongerThanTheBound_IsMalformedBeforeItArrives) {
  // Only the fixed part: the declared length alone refuses it, nothing is waited for.
  auto data = v2(0x21, 0x11, std::vector<uint8_t>(kMaxProxyHeader, 0));
  data.resize(16);
  EXPECT_EQ(error_of(data), ProxyError::Malformed);
}

TEST(ProxyProtocol_V2, UnixFamily_IsUnsupported) {
  EXPECT_EQ(error_of(v2(0x21, 0x31, std::vector<uint8_t>(216, 0))), ProxyError::Unsupported);
}

TEST(ProxyProtocol, StunMessage_IsMalformed) {
  // A Binding request sent to a PROXY port without a header.
  const std::vector<uint8_t> binding{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
  EXPECT_EQ(error_of(binding), ProxyError::Malformed);
  EXPECT_EQ(error_of({}), ProxyError::NeedMore);
}

}  // namespace
}  // namespace tern
