#include "base/ip_range.h"
#include "tests/base/test_addresses.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tern {
namespace {

using test::ip;

IpRange range(const char* text) {
  auto r = IpRange::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : IpRange{};
}

std::string parse_error(const char* text) {
  auto r = IpRange::parse(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? r->to_string() : "");
  return r.ok() ? "" : r.error();
}

TEST(IpRange_Parse, SingleIpv4_IsOneAddress) {
  IpRange r = range("10.1.2.3");
  EXPECT_EQ(r.family, Family::V4);
  EXPECT_EQ(r.first, r.last);
  EXPECT_EQ(r.first, ip("10.1.2.3").ip);
}

TEST(IpRange_Parse, SingleIpv6_IsOneAddress) {
  IpRange r = range("2001:db8::7");
  EXPECT_EQ(r.family, Family::V6);
  EXPECT_EQ(r.first, ip("2001:db8::7").ip);
  EXPECT_EQ(r.last, ip("2001:db8::7").ip);
}

TEST(IpRange_Parse, DashRange_KeepsBothEnds) {
  IpRange r = range("10.0.0.0-10.255.255.255");
  EXPECT_EQ(r.first, ip("10.0.0.0").ip);
  EXPECT_EQ(r.last, ip("10.255.255.255").ip);
}

TEST(IpRange_Parse, DashRangeIpv6_KeepsBothEnds) {
  IpRange r = range("fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(r.family, Family::V6);
  EXPECT_EQ(r.first, ip("fe80::").ip);
  EXPECT_EQ(r.last, ip("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff").ip);
}

TEST(IpRange_Parse, SpacesAroundParts_AreIgnored) {
  EXPECT_EQ(range(" 10.0.0.1 - 10.0.0.9 "), range("10.0.0.1-10.0.0.9"));
  EXPECT_EQ(range("10.0.0.0 / 8"), range("10.0.0.0/8"));
}

struct CidrCase {
  const char* text;
  const char* first;
  const char* last;
};

TEST(IpRange_Parse, Cidr_CoversTheWholePrefix) {
  const CidrCase cases[] = {
      {"10.0.0.0/8", "10.0.0.0", "10.255.255.255"},
      {"100.64.0.0/10", "100.64.0.0", "100.127.255.255"},
      {"198.18.0.0/15", "198.18.0.0", "198.19.255.255"},
      {"1.2.3.4/32", "1.2.3.4", "1.2.3.4"},
      {"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
      {"fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"100::/64", "100::", "100::ffff:ffff:ffff:ffff"},
      {"2001:db8::/63", "2001:db8::", "2001:db8:0:1:ffff:ffff:ffff:ffff"},
      {"2001:db8::/65", "2001:db8::", "2001:db8::7fff:ffff:ffff:ffff"},
      {"::ffff:0:0/96", "::ffff:0.0.0.0", "::ffff:255.255.255.255"},
      {"::1/128", "::1", "::1"},
      {"::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const CidrCase& c : cases) {
    IpRange r = range(c.text);
    EXPECT_EQ(r.first, ip(c.first).ip) << c.text;
    EXPECT_EQ(r.last, ip(c.last).ip) << c.text;
  }
}

TEST(IpRange_Parse, ReversedRange_IsRejected) {
  EXPECT_NE(parse_error("10.0.0.9-10.0.0.1").find("above"), std::string::npos);
  EXPECT_NE(parse_error("::2-::1").find("above"), std::string::npos);
}

TEST(IpRange_Parse, ReversedRangeAcrossOctets_IsRejectedAsIntegers) {
  // Compared octet by octet from the back (0 < 255) it would look ascending.
  parse_error("10.0.0.0-9.255.255.255");
  EXPECT_TRUE(IpRange::parse("9.255.255.255-10.0.0.0").ok());
}

TEST(IpRange_Parse, MixedFamilies_AreRejected) {
  EXPECT_NE(parse_error("10.0.0.1-::1").find("mixes IPv4 and IPv6"), std::string::npos);
  EXPECT_NE(parse_error("::ffff:10.0.0.1-10.0.0.2").find("mixes"), std::string::npos);
}

TEST(IpRange_Parse, Garbage_IsRejectedNamingTheInput) {
  const char* bad[] = {"",
                       "   ",
                       "localhost",
                       "10.0.0",
                       "10.0.0.256",
                       "010.0.0.1",
                       "1.2.3.4.5",
                       "10.0.0.1-",
                       "-10.0.0.1",
                       "fe80::1%eth0",
                       "[::1]",
                       "10.0.0.1:80",
                       "::1-::2-::3",
                       "10.0.0.0/8-10.0.0.9",
                       "1.2.3.4/",
                       "1.2.3.4/abc",
                       "1.2.3.4/-1",
                       "1.2.3.4/+8",
                       "1.2.3.4/8x",
                       "/8",
                       "1.2.3.4/0008",
                       "1.2.3.4/8/8"};
  for (const char* text : bad) {
    const std::string error = parse_error(text);
    EXPECT_NE(error.find("\"" + std::string(text) + "\""), std::string::npos) << error;
  }
}

TEST(IpRange_Parse, CidrPrefixTooLong_IsRejected) {
  EXPECT_NE(parse_error("10.0.0.0/33").find("33"), std::string::npos);
  EXPECT_NE(parse_error("::/129").find("129"), std::string::npos);
  parse_error("10.0.0.0/999");
  EXPECT_TRUE(IpRange::parse("::/128").ok());
  EXPECT_TRUE(IpRange::parse("10.0.0.0/32").ok());
}

TEST(IpRange_Parse, CidrWithHostBitsSet_IsRejectedNotWidened) {
  EXPECT_NE(parse_error("10.1.2.3/8").find("10.0.0.0/8"), std::string::npos);
  EXPECT_NE(parse_error("2001:db8::1/64").find("2001:db8::/64"), std::string::npos);
  EXPECT_NE(parse_error("2001:db8::4000:0:0:0/65").find("2001:db8::/65"), std::string::npos);
}

TEST(IpRange_Contains, ComparesAsIntegers_NotOctetByOctet) {
  // Octet by octet, 10.1.0.0 fails "0 >= 255" on the third octet of the first address.
  IpRange r = range("10.0.255.255-10.2.0.0");
  EXPECT_TRUE(r.contains(ip("10.1.0.0")));
  EXPECT_TRUE(r.contains(ip("10.0.255.255")));
  EXPECT_TRUE(r.contains(ip("10.2.0.0")));
  EXPECT_FALSE(r.contains(ip("10.0.255.254")));
  EXPECT_FALSE(r.contains(ip("10.2.0.1")));
}

TEST(IpRange_Contains, Ipv6AcrossThe64BitHalves) {
  IpRange r = range("::ffff:ffff:ffff:fff0-::1:0:0:0:f");
  EXPECT_TRUE(r.contains(ip("::1:0:0:0:0")));
  EXPECT_TRUE(r.contains(ip("::ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(r.contains(ip("::ffff:ffff:ffff:ffef")));
  EXPECT_FALSE(r.contains(ip("::1:0:0:0:10")));
  EXPECT_FALSE(r.contains(ip("1::1:0:0:0:0")));
}

TEST(IpRange_Contains, OtherFamily_IsNeverContained) {
  EXPECT_FALSE(range("0.0.0.0/0").contains(ip("::")));
  EXPECT_FALSE(range("::/0").contains(ip("10.0.0.1")));
  EXPECT_FALSE(range("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
}

TEST(IpRange_Contains, PortIsIgnored) {
  EXPECT_TRUE(range("10.0.0.1").contains(ip("10.0.0.1", 65535)));
}

TEST(IpRange_Contains, Ipv4IgnoresBytesPastTheFourth) {
  TransportAddress a = ip("10.9.9.9");
  a.ip.fill(0xff);
  a.ip[0] = 10;
  EXPECT_TRUE(range("10.0.0.0/8").contains(a));
}

TEST(IpRange_ToString, SingleAndSpan) {
  EXPECT_EQ(range("10.0.0.0/8").to_string(), "10.0.0.0-10.255.255.255");
  EXPECT_EQ(range("::1").to_string(), "::1");
  EXPECT_EQ(range("fe80::/10").to_string(), "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(IpRange_Single, KeepsOnlyTheAddress) {
  TransportAddress a = ip("192.0.2.1", 99);
  a.ip[7] = 1;  // junk past an IPv4 address
  IpRange r = IpRange::single(a);
  EXPECT_EQ(r, range("192.0.2.1"));
}

TEST(ParseIpRanges, AllGood_KeepsOrder) {
  auto r = parse_ip_ranges({"10.0.0.0/8", "::1", "1.1.1.1-1.1.1.2"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1], range("::1"));
}

TEST(ParseIpRanges, FirstBadEntry_IsTheError) {
  auto r = parse_ip_ranges({"10.0.0.0/8", "nope", "also-bad"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("\"nope\""), std::string::npos) << r.error();
}

}  // namespace
}  // namespace tern
