// PROXY protocol v1/v2 headers (base/proxy_protocol.h), read from a load balancer before a
// connection's first byte or each datagram. Checks: a header never claims more bytes than
// it was given or than the bound; what it claims parses alone to the same header, and
// more bytes after it change nothing; "need more" is said only below the bound; a
// header's two addresses are of one family; a written v2 header parses back.

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/proxy_protocol.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;

bool same(const ProxyHeader& a, const ProxyHeader& b) {
  return a.version == b.version && a.local == b.local && a.datagram == b.datagram &&
         a.source == b.source && a.destination == b.destination && a.size == b.size;
}

void check_header(std::span<const uint8_t> data, const ProxyHeader& h) {
  TERN_FUZZ_CHECK(h.size > 0 && h.size <= data.size() && h.size <= kMaxProxyHeader);
  TERN_FUZZ_CHECK(h.version == 1 || h.version == 2);
  if (h.version == 1) TERN_FUZZ_CHECK(h.size <= kMaxProxyV1Header && !h.datagram);
  TERN_FUZZ_CHECK(h.local == !h.source.has_value());
  TERN_FUZZ_CHECK(h.source.has_value() == h.destination.has_value());
  if (h.source) TERN_FUZZ_CHECK(h.source->family == h.destination->family);
  const auto alone = parse_proxy_header(data.first(h.size));
  TERN_FUZZ_CHECK(alone.ok() && same(*alone, h));
  // The last byte missing: the header is still incomplete, never something else.
  const auto shorter = parse_proxy_header(data.first(h.size - 1));
  TERN_FUZZ_CHECK(!shorter.ok() && shorter.error() == ProxyError::NeedMore);
  std::vector<uint8_t> longer(data.begin(), data.begin() + static_cast<ptrdiff_t>(h.size));
  longer.push_back(0x16);
  const auto more = parse_proxy_header(longer);
  TERN_FUZZ_CHECK(more.ok() && same(*more, h));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const auto h = parse_proxy_header(input);
  if (h.ok()) {
    check_header(input, *h);
    if (h->source) {
      std::array<uint8_t, 52> out{};
      const size_t n = write_proxy_v2(out, *h->source, *h->destination, h->datagram);
      const auto again = parse_proxy_header(std::span(out).first(n));
      TERN_FUZZ_CHECK(again.ok() && again->source == h->source &&
                      again->destination == h->destination && again->datagram == h->datagram);
    }
  } else if (h.error() == ProxyError::NeedMore) {
    TERN_FUZZ_CHECK(size < kMaxProxyHeader);
  }
  return 0;
}
