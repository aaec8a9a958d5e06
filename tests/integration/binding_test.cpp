// Binding against a real ternd over UDP, TCP and TLS, on 127.0.0.1 and ::1 (RFC 8489 §6.3,
// §14.7; RFC 5780 §7.3 for RESPONSE-ORIGIN).

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <tuple>

#include "protocol/fingerprint.h"
#include "protocol/plain_address.h"
#include "protocol/text_attributes.h"
#include "protocol/unknown_attributes.h"
#include "protocol/xor_address.h"
#include "tests/support/stun_client.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/ternd_process.h"
#include "tests/support/test_params.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Param = std::tuple<IpVersion, Transport>;

class BindingTest : public ::testing::TestWithParam<Param> {
 protected:
  IpVersion version() const { return std::get<0>(GetParam()); }
  Transport transport() const { return std::get<1>(GetParam()); }

  void SetUp() override {
    if (version() == IpVersion::V6 && !ipv6_loopback_available()) {
      GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
  }

  // Starts ternd with `args` and connects one client; ASSERT in the caller on ok().
  void start(std::vector<std::string> args = {}) {
    auto t = TerndProcess::start({std::move(args), transport() == Transport::Tls});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
    client_ = connect();
  }
  std::optional<StunClient> connect() {
    auto c = StunClient::connect(transport(), ternd_->address(transport(), version()));
    EXPECT_TRUE(c) << c.error();
    if (!c) return std::nullopt;
    return std::move(*c);
  }

  // The request is kept so the response's bytes and its view outlive the call.
  struct Exchange {
    Bytes request;
    Result<Bytes, RecvError> response = unexpected(RecvError::Timeout);
  };
  Exchange exchange(BindingOptions options = {}) {
    Exchange e{binding_request(options)};
    e.response = client_->exchange(e.request);
    return e;
  }

  std::optional<TerndProcess> ternd_;
  std::optional<StunClient> client_;
};

stun::MessageView view(const Bytes& bytes) {
  return *stun::MessageView::parse(bytes);
}

TEST_P(BindingTest, XorMappedAddress_IsTheClientsOwnAddress) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange();
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  auto mapped = stun::XorMappedAddress::get_from(view(*e.response));
  ASSERT_TRUE(mapped) << stun::to_string(mapped.error());
  EXPECT_EQ(mapped->address, client_->local_address())
      << mapped->address.to_string() << " vs " << client_->local_address().to_string();
}

TEST_P(BindingTest, ResponseOrigin_IsTheAddressTheRequestWasSentTo) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange();
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  auto origin = stun::ResponseOrigin::get_from(view(*e.response));
  ASSERT_TRUE(origin) << stun::to_string(origin.error());
  EXPECT_EQ(origin->address, ternd_->address(transport(), version()))
      << origin->address.to_string();
}

TEST_P(BindingTest, Fingerprint_WhenRequested_IsPresentLastAndValid) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange({.fingerprint = true});
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  auto m = view(*e.response);
  EXPECT_TRUE(stun::has_fingerprint(m)) << describe(*e.response);
  EXPECT_TRUE(stun::verify_fingerprint(m)) << describe(*e.response);
}

TEST_P(BindingTest, Fingerprint_WhenNotRequested_IsAbsent) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange();
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  EXPECT_FALSE(view(*e.response).has(stun::attr::Fingerprint)) << describe(*e.response);
}

TEST_P(BindingTest, Software_ByDefault_IsPresent) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange();
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  auto software = stun::Software::get_from(view(*e.response));
  ASSERT_TRUE(software) << describe(*e.response);
  EXPECT_FALSE(software->value.empty());
}

TEST_P(BindingTest, Software_WithNoSoftwareAttribute_IsAbsent) {
  ASSERT_NO_FATAL_FAILURE(start({"--no-software-attribute"}));
  ASSERT_TRUE(client_);
  auto e = exchange();
  ASSERT_TRUE(IsBindingSuccessFor(e.request, e.response));
  EXPECT_FALSE(view(*e.response).has(stun::attr::Software)) << describe(*e.response);
}

TEST_P(BindingTest, UnknownComprehensionRequired_Is420NamingEachOfThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange({.extra = {{0x0033, {1, 2, 3, 4}},
                               {0x8033, {5, 6, 7, 8}},  // optional: must not be named
                               {0x7FF0, {9}}}});
  ASSERT_TRUE(IsBindingErrorFor(e.request, e.response, 420));
  auto unknown = stun::UnknownAttributes::get_from(view(*e.response));
  ASSERT_TRUE(unknown) << describe(*e.response);
  EXPECT_EQ(std::vector<uint16_t>(unknown->list().begin(), unknown->list().end()),
            (std::vector<uint16_t>{0x0033, 0x7FF0}));
}

TEST_P(BindingTest, UnknownComprehensionOptional_IsIgnored) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto e = exchange({.extra = {{0x8033, {1, 2, 3, 4}}}});
  EXPECT_TRUE(IsBindingSuccessFor(e.request, e.response));
}

TEST_P(BindingTest, TruncatedAttribute_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto request = truncated_attribute_request();
  EXPECT_TRUE(IsBindingErrorFor(request, client_->exchange(request), 400));
}

TEST_P(BindingTest, AfterAnErrorResponse_TheNextRequestIsAnswered) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto bad = truncated_attribute_request();
  ASSERT_TRUE(IsBindingErrorFor(bad, client_->exchange(bad), 400));
  auto e = exchange();
  EXPECT_TRUE(IsBindingSuccessFor(e.request, e.response));
}

INSTANTIATE_TEST_SUITE_P(IpVersionsAndTransports, BindingTest,
                         ::testing::Combine(both_ip_versions(), every_transport()), ParamName());

// Over a stream, framing is the server's job: several requests in one segment, or one
// request over many.
class StreamBindingTest : public BindingTest {};

TEST_P(StreamBindingTest, PipelinedRequestsInOneWrite_AreAllAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  std::vector<Bytes> requests;
  Bytes all;
  for (int i = 0; i < 5; ++i) {
    requests.push_back(binding_request({.fingerprint = i % 2 == 0}));
    all.insert(all.end(), requests.back().begin(), requests.back().end());
  }
  ASSERT_TRUE(client_->send(all));
  for (const auto& request : requests) {
    EXPECT_TRUE(IsBindingSuccessFor(request, client_->receive()));
  }
}

TEST_P(StreamBindingTest, RequestSplitByteByByte_IsAnswered) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(client_);
  auto request = binding_request({.fingerprint = true});
  for (uint8_t byte : request) {
    ASSERT_TRUE(client_->send(std::span(&byte, 1)));
    // Long enough for each byte to reach the server as its own read.
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(IsBindingSuccessFor(request, client_->receive()));
}

INSTANTIATE_TEST_SUITE_P(IpVersionsAndStreams, StreamBindingTest,
                         ::testing::Combine(both_ip_versions(),
                                            ::testing::Values(Transport::Tcp, Transport::Tls)),
                         ParamName());

}  // namespace
}  // namespace tern::test
