#include "bench/options.h"

#include <gtest/gtest.h>

namespace tern::bench {
namespace {

ParseOutcome parse(std::vector<std::string> args) {
  return parse_options(args);
}

TEST(Options, Binding_Defaults) {
  const auto p = parse({"binding"});
  ASSERT_TRUE(p.options) << p.message;
  EXPECT_EQ(p.options->mode, Mode::Binding);
  EXPECT_EQ(p.options->server.to_string(), "127.0.0.1:3478");
  EXPECT_EQ(p.options->transport, Transport::Udp);
  EXPECT_EQ(p.options->effective_window(), 16);
  EXPECT_DOUBLE_EQ(p.options->duration_s, 5.0);
}

TEST(Options, ShortAndInlineForms_AreTheLongOnes) {
  const auto p = parse({"relay", "-s", "[::1]:5000", "-u", "a", "-w", "b", "-m", "64", "-S", "1200",
                        "--rate=1000", "-t", "tcp", "--no-channel", "--json"});
  ASSERT_TRUE(p.options) << p.message;
  EXPECT_EQ(p.options->server.to_string(), "[::1]:5000");
  EXPECT_EQ(p.options->flows, 64);
  EXPECT_EQ(p.options->size, 1200);
  EXPECT_DOUBLE_EQ(p.options->rate_pps, 1000);
  EXPECT_EQ(p.options->transport, Transport::Tcp);
  EXPECT_FALSE(p.options->use_channel);
  EXPECT_TRUE(p.options->json);
}

TEST(Options, TestbedFlags_DirectNeedsNoCredentials) {
  const auto p = parse({"relay", "--direct", "--peer-netns", "tbp", "--marks"});
  ASSERT_TRUE(p.options) << p.message;
  EXPECT_TRUE(p.options->direct);
  EXPECT_TRUE(p.options->marks);
  EXPECT_EQ(p.options->peer_netns, "tbp");
  EXPECT_FALSE(parse({"relay"}).options);
  EXPECT_FALSE(parse({"binding", "--direct"}).options);
  EXPECT_FALSE(parse({"relay", "--direct", "-t", "tcp"}).options);
}

TEST(Options, TestbedFloor_ViaAForwarderToAKnownPeerPort_OnlyDirect) {
  const auto p = parse({"relay", "--direct", "--via", "198.18.1.1:3478", "--peer-port", "40000"});
  ASSERT_TRUE(p.options) << p.message;
  ASSERT_TRUE(p.options->via);
  EXPECT_EQ(p.options->via->port, 3478);
  EXPECT_EQ(p.options->peer_port, 40000);
  EXPECT_FALSE(parse({"relay", "-u", "a", "-w", "b", "--via", "198.18.1.1:3478"}).options);
  EXPECT_FALSE(parse({"relay", "--direct", "--via", "198.18.1.1"}).options);
  EXPECT_FALSE(parse({"relay", "--direct", "--peer-port", "70000"}).options);
}

TEST(Options, Allocate_CountDefaultsTo1000AndRunIsBounded) {
  const auto p = parse({"allocate", "--secret", "s", "--hold", "10"});
  ASSERT_TRUE(p.options) << p.message;
  EXPECT_EQ(p.options->effective_count(), 1000);
  EXPECT_DOUBLE_EQ(p.options->effective_max_seconds(), 5 + 10 + 60);
}

TEST(Options, TurnModesWithoutCredentials_AreRefused) {
  EXPECT_FALSE(parse({"allocate"}).options);
  EXPECT_FALSE(parse({"relay"}).options);
}

TEST(Options, AllocateOverTcp_IsRefused) {
  EXPECT_FALSE(parse({"allocate", "-u", "a", "-w", "b", "-t", "tcp"}).options);
}

TEST(Options, BadValues_SayWhichOption) {
  auto p = parse({"binding", "-s", "localhost:3478"});
  EXPECT_FALSE(p.options);
  EXPECT_NE(p.message.find("--server"), std::string::npos);
  p = parse({"binding", "-k", "0"});
  EXPECT_FALSE(p.options);
  p = parse({"binding", "--window"});
  EXPECT_NE(p.message.find("needs a value"), std::string::npos);
  EXPECT_FALSE(parse({"binding", "--frobnicate"}).options);
  EXPECT_FALSE(parse({"dance"}).options);
  EXPECT_FALSE(parse({}).options);
}

TEST(Options, LoopbackServer_ClientsGetARandomLoopbackSource) {
  const auto p = parse({"binding"});
  ASSERT_TRUE(p.options->source);
  const auto a = *p.options->source;
  EXPECT_EQ(a.ip[0], 127);
  EXPECT_NE(a.ip_string(), "127.0.0.1");
  EXPECT_EQ(a.port, 0);
}

TEST(Options, SourceIp_IsTakenAsGiven) {
  const auto p = parse({"binding", "--source-ip", "127.0.0.9"});
  ASSERT_TRUE(p.options->source);
  EXPECT_EQ(p.options->source->to_string(), "127.0.0.9:0");
  EXPECT_FALSE(parse({"binding", "--source-ip", "nowhere"}).options);
}

TEST(Options, NonLoopbackServer_SourceLeftToTheKernel) {
  const auto p = parse({"binding", "-s", "[::1]:3478"});
  EXPECT_FALSE(p.options->source);
}

TEST(Options, Help_IsNotAnError) {
  const auto p = parse({"--help"});
  EXPECT_TRUE(p.help);
  EXPECT_NE(p.message.find("tern-bench MODE"), std::string::npos);
}

}  // namespace
}  // namespace tern::bench
