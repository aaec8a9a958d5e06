#pragma once
// A TCP client's connection as TURN code sees it (ClientStream), for tests without a
// process: it keeps every frame sent to the client and the peer connection bound to it.

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "server/core/client_link.h"

namespace tern::test {

class FakeStream final : public ClientStream {
 public:
  bool send_relayed(std::span<const uint8_t> frame) override {
    sent.emplace_back(frame.begin(), frame.end());
    return true;
  }
  void on_allocated(int64_t) override {}
  void on_deallocated() override {}
  uint32_t count_auth_failure() override { return 0; }
  bool unauthenticated_answer_is_free() override { return true; }
  void close_after_reply(Counter&, Linger) override {}
  void close() override {}
  void bind_peer(BoundPeer p) override { peer = std::move(p); }

  std::vector<std::vector<uint8_t>> sent;
  std::optional<BoundPeer> peer;
};

}  // namespace tern::test
