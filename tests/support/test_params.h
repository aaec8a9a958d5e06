#pragma once
// What parameterized tests run over, the transports and the IP versions, and the names
// their instances get: INSTANTIATE_TEST_SUITE_P(Transports, SomeTest,
// every_transport_on_both_ip_versions(), ParamName()) names them "UDP_IPv4" ... "TLS_IPv6";
// with ShortVersionName() the instances over both_ip_versions() are ".../V4" and ".../V6".

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "tests/support/loopback.h"
#include "tests/support/stun_client.h"

namespace tern::test {

inline auto both_ip_versions() {
  return ::testing::Values(IpVersion::V4, IpVersion::V6);
}
inline auto every_transport() {
  return ::testing::Values(Transport::Udp, Transport::Tcp, Transport::Tls);
}
inline auto every_transport_on_both_ip_versions() {
  return ::testing::Combine(every_transport(), both_ip_versions());
}

// A parameter's to_string(); a tuple's parts joined by '_' in their order.
struct ParamName {
  template <typename T>
  std::string operator()(const ::testing::TestParamInfo<T>& info) const {
    return to_string(info.param);
  }
  template <typename... T>
  std::string operator()(const ::testing::TestParamInfo<std::tuple<T...>>& info) const {
    std::string name;
    std::apply(
        [&name](const auto&... part) {
          ((name += name.empty() ? "" : "_", name += to_string(part)), ...);
        },
        info.param);
    return name;
  }
};

// "V4" or "V6": the names the offload and relay port tests have always had (ctest -R and
// the lead's notes use them).
struct ShortVersionName {
  std::string operator()(const ::testing::TestParamInfo<IpVersion>& info) const {
    return info.param == IpVersion::V4 ? "V4" : "V6";
  }
};

}  // namespace tern::test
