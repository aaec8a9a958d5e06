#pragma once
// The PROXY protocol header a load balancer puts before a connection's first byte (or,
// version 2 only, before each datagram) to name the client it forwards: version 1 (text)
// and version 2 (binary), as haproxy's doc/proxy-protocol.txt specifies them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

enum class ProxyError : uint8_t {
  NeedMore,     // a valid prefix of a header: wait for more bytes
  Malformed,    // not a PROXY header, or a broken one: close the connection
  Unsupported,  // well formed, but names an AF_UNIX client tern cannot serve
};
const char* to_string(ProxyError e);

struct ProxyHeader {
  uint8_t version = 0;  // 1 or 2
  // v1 UNKNOWN, v2 LOCAL or v2 AF_UNSPEC: the balancer's own connection (a health
  // check), so the receiver uses the connection's real endpoints.
  bool local = false;
  bool datagram = false;  // v2 SOCK_DGRAM
  // Set unless `local`: the client as the balancer saw it, and the address it reached.
  std::optional<TransportAddress> source, destination;
  size_t size = 0;  // bytes the header takes, TLVs included
};

// The longest header accepted here: the spec's 107 bytes of v1, and v2's 16 + 216 bytes
// of addresses with room for the TLVs a balancer commonly adds (haproxy's unique id,
// ALPN, authority). Anything longer is Malformed, so a reader never buffers more.
inline constexpr size_t kMaxProxyHeader = 1024;
inline constexpr size_t kMaxProxyV1Header = 107;

// Parses the header at the start of `data` (which may go on past it).
Result<ProxyHeader, ProxyError> parse_proxy_header(std::span<const uint8_t> data);

// A version 2 PROXY header (command PROXY, no TLVs) for `source` -> `destination`, which
// must be of one family; for the tests' balancers and the fuzzer's round trip.
size_t write_proxy_v2(std::span<uint8_t, 52> out, const TransportAddress& source,
                      const TransportAddress& destination, bool datagram);

}  // namespace tern
