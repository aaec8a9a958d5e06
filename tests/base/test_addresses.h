#pragma once
// Addresses written as text in the server's unit tests.

#include <gtest/gtest.h>

#include "base/socket_address.h"

namespace tern::test {

// `text` with `port`; a test failure (and 0.0.0.0:0) when it is not an IP address.
inline TransportAddress ip(const char* text, uint16_t port = 0) {
  auto a = parse_ip(text, port);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(TransportAddress{});
}

// "ip:port" ("[v6]:port"); a test failure (and 0.0.0.0:0) when it is not one.
inline TransportAddress at(const char* text) {
  auto a = parse_ip_port(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(TransportAddress{});
}

}  // namespace tern::test
