// --allowed-peer-ip / --denied-peer-ip ranges ("IP", "IP-IP", "IP/len", also as the
// stores keep them). Checks: a range that parses is ordered, prints as text that parses
// back to the same range, and contains exactly the addresses of its family between its
// ends (compared here as big-endian byte strings, independently of ip_range.cpp's
// integer arithmetic).

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/ip_range.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;

int compare(const IpRange& r, const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b) {
  const size_t n = r.family == Family::V4 ? 4 : 16;
  return std::memcmp(a.data(), b.data(), n);
}

TransportAddress address_from(FuzzedDataProvider& in, Family family) {
  std::array<uint8_t, 16> ip{};
  const auto raw = in.ConsumeBytes<uint8_t>(family == Family::V4 ? 4 : 16);
  std::copy(raw.begin(), raw.end(), ip.begin());
  if (family == Family::V4) return TransportAddress::v4({ip[0], ip[1], ip[2], ip[3]}, 9);
  return TransportAddress::v6(ip, 9);
}

void check_contains(const IpRange& r, const TransportAddress& a) {
  if (a.family != r.family) {
    TERN_FUZZ_CHECK(!r.contains(a));
    return;
  }
  const bool inside = compare(r, r.first, a.ip) <= 0 && compare(r, a.ip, r.last) <= 0;
  TERN_FUZZ_CHECK(r.contains(a) == inside);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = in.ConsumeRandomLengthString(128);
  const auto parsed = IpRange::parse(text);
  if (!parsed) {
    TERN_FUZZ_CHECK(!parsed.error().empty());
  } else {
    const IpRange& r = *parsed;
    TERN_FUZZ_CHECK(compare(r, r.first, r.last) <= 0);
    const std::string printed = r.to_string();
    const auto again = IpRange::parse(printed);
    TERN_FUZZ_CHECK(again.ok() && *again == r);
    TransportAddress first{r.family, r.first, 1};
    TransportAddress last{r.family, r.last, 65535};
    TERN_FUZZ_CHECK(r.contains(first) && r.contains(last));
    TERN_FUZZ_CHECK(IpRange::single(first).contains(first));
    check_contains(r, address_from(in, Family::V4));
    check_contains(r, address_from(in, Family::V6));
    check_contains(r, address_from(in, r.family));
  }
  // A list is refused exactly when one of its entries is.
  const std::vector<std::string> list{text, "10.0.0.0/8"};
  TERN_FUZZ_CHECK(parse_ip_ranges(list).ok() == parsed.ok());
  return 0;
}
