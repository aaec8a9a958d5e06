// The reader of turnutils_uclient's output, on lines copied from real runs (coturn 4.6.1),
// so the interop tests cannot pass because a pattern stopped matching.

#include "tests/interop/uclient_output.h"

#include <gtest/gtest.h>

namespace tern::test {
namespace {

constexpr const char* kUdpRun =
    "0: : allocate sent\n"
    "0: : IPv4. Received relay addr: 127.0.0.1:52008\n"
    "0: : clnet_allocate: rtv=9980445205789861637\n"
    "0: : IPv4. Received relay addr: 127.0.0.1:52009\n"
    "0: : clnet_allocate: rtv=0\n"
    "0: : success: 0x48d3\n"
    "7: : start_mclient: msz=4, tot_send_msgs=360, tot_recv_msgs=360, tot_send_bytes ~ 43200, "
    "tot_recv_bytes ~ 43200\n"
    "7: : start_mclient: tot_send_msgs=400, tot_recv_msgs=398\n"
    "7: : start_mclient: tot_send_bytes ~ 48000, tot_recv_bytes ~ 48000\n"
    "7: : Total transmit time is 7\n"
    "7: : Total lost packets 2 (0.500000%), total send dropped 0 (0.000000%)\n"
    "7: : Average round trip delay 0.020000 ms; min = 0 ms, max = 4 ms\n";

TEST(UclientOutput, FinalTallies_AreReadNotTheProgressLines) {
  auto r = read_uclient_output(kUdpRun);
  ASSERT_TRUE(r.lost && r.sent && r.received);
  EXPECT_EQ(*r.lost, 2u);
  EXPECT_EQ(*r.sent, 400u);
  EXPECT_EQ(*r.received, 398u);
  EXPECT_TRUE(r.error_lines.empty());
}

TEST(UclientOutput, MissingSummary_LeavesTalliesEmpty) {
  auto r = read_uclient_output("0: : ERROR: Cannot complete Allocation\n");
  EXPECT_FALSE(r.lost);
  EXPECT_FALSE(r.sent);
  ASSERT_EQ(r.error_lines.size(), 1u);
  EXPECT_EQ(r.error_lines[0], "0: : ERROR: Cannot complete Allocation");
}

TEST(UclientOutput, RelayAddresses_CarryTheReservationFlagOfTheirRtvLine) {
  auto r = read_uclient_output(kUdpRun);
  ASSERT_EQ(r.allocations.size(), 2u);
  EXPECT_EQ(r.allocations[0].relay_ip, "127.0.0.1");
  EXPECT_EQ(r.allocations[0].relay_port, 52008);
  EXPECT_TRUE(r.allocations[0].reserved_next_port);
  EXPECT_EQ(r.allocations[1].relay_port, 52009);
  EXPECT_FALSE(r.allocations[1].reserved_next_port);
}

TEST(UclientOutput, Ipv6RelayAddress_PortIsAfterTheLastColon) {
  auto r = read_uclient_output("0: : IPv6. Received relay addr: ::1:51200\n");
  ASSERT_EQ(r.allocations.size(), 1u);
  EXPECT_EQ(r.allocations[0].relay_ip, "::1");
  EXPECT_EQ(r.allocations[0].relay_port, 51200);
}

TEST(UclientOutput, ErrorLines_AnyCaseAreCollected) {
  auto r = read_uclient_output(
      "0: : error 440 (Address Family not Supported)\n"
      "4: : ERROR: received message has wrong channel: 16385\n"
      "5: : fine\n");
  EXPECT_EQ(r.error_lines.size(), 2u);
}

TEST(UclientOutput, TlsVersionProbes_AreErrorsUnlessExpected) {
  std::string probe =
      "0: : errno=0, err=0, error:0A00042E:SSL routines::tlsv1 alert protocol version (1)\n";
  EXPECT_EQ(read_uclient_output(probe).error_lines.size(), 1u);
  EXPECT_TRUE(read_uclient_output(probe, {.tls_version_probing = true}).error_lines.empty());
  // Any other TLS failure still counts.
  std::string other =
      "0: : errno=0, err=0, error:0A000438:SSL routines::tlsv1 alert internal error (1)\n";
  EXPECT_EQ(read_uclient_output(other, {.tls_version_probing = true}).error_lines.size(), 1u);
}

TEST(UclientOutput, EvenPortPair_Holds) {
  std::vector<UclientAllocation> a{{"127.0.0.1", 52008, true}, {"127.0.0.1", 52009, false}};
  EXPECT_EQ(even_port_pair_violation(a), std::nullopt);
}

TEST(UclientOutput, EvenPortPair_OddReservingPort_IsAViolation) {
  std::vector<UclientAllocation> a{{"127.0.0.1", 52009, true}, {"127.0.0.1", 52010, false}};
  EXPECT_NE(even_port_pair_violation(a), std::nullopt);
}

TEST(UclientOutput, EvenPortPair_TokenAllocationNotNextPort_IsAViolation) {
  std::vector<UclientAllocation> a{{"127.0.0.1", 52008, true}, {"127.0.0.1", 52011, false}};
  auto v = even_port_pair_violation(a);
  ASSERT_NE(v, std::nullopt);
  EXPECT_NE(v->find("52011"), std::string::npos) << *v;
}

TEST(UclientOutput, EvenPortPair_TokenAllocationOnOtherIp_IsAViolation) {
  std::vector<UclientAllocation> a{{"127.0.0.1", 52008, true}, {"::1", 52009, false}};
  EXPECT_NE(even_port_pair_violation(a), std::nullopt);
}

TEST(UclientOutput, EvenPortPair_ReservationNeverUsed_IsAViolation) {
  std::vector<UclientAllocation> a{{"127.0.0.1", 52008, true}};
  EXPECT_NE(even_port_pair_violation(a), std::nullopt);
}

}  // namespace
}  // namespace tern::test
