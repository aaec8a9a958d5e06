#include "bench/conn.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "base/sockets.h"

namespace tern::bench {
namespace {

// A Binding request: the smallest whole STUN frame (20 bytes).
std::array<uint8_t, 20> binding_request(uint8_t id) {
  return {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

// tear_down's case in the soak (bench/NOTES.md, session 8): the answer to a Delete closes
// the session from inside receive()'s callback while a second frame is still buffered.
TEST(BenchConn, ClosedFromTheCallback_StopsWalkingTheBuffer) {
  FileDescriptor listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener.valid());
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof at;
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&at), &len), 0);

  std::string error;
  Conn conn = Conn::open(Transport::Tcp, TransportAddress::v4({127, 0, 0, 1}, ntohs(at.sin_port)),
                         nullptr, error);
  ASSERT_TRUE(conn.valid()) << error;
  FileDescriptor server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(server.valid());
  std::vector<uint8_t> two;
  for (uint8_t id : {1, 2}) {
    const auto m = binding_request(id);
    two.insert(two.end(), m.begin(), m.end());
  }
  ASSERT_EQ(::send(server.get(), two.data(), two.size(), 0), static_cast<ssize_t>(two.size()));

  UdpIo io;
  int messages = 0;
  bool alive = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (messages == 0 && alive && std::chrono::steady_clock::now() < deadline) {
    alive = conn.receive(io, [&](std::span<const uint8_t>) {
      ++messages;
      conn.close();
    });
  }
  EXPECT_EQ(messages, 1) << "a frame was read from the buffer of a closed connection";
  EXPECT_FALSE(alive);
}

}  // namespace
}  // namespace tern::bench
