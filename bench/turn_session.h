#pragma once
// One client's allocation as a small state machine: Allocate (401, then signed), an
// optional CreatePermission and ChannelBind, Refresh while held, Refresh 0 to delete.
// One request is outstanding per session at a time; UDP requests are retransmitted with
// the same transaction id, a 438 is retried with the fresh nonce.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/conn.h"
#include "bench/poller.h"
#include "bench/turn_requests.h"
#include "protocol/transport_address.h"

namespace tern::bench {

enum class Phase : uint8_t {
  Idle,
  AllocateChallenge,  // unsigned Allocate out, expecting 401
  AllocateSigned,
  PermissionSent,
  ChannelSent,
  Ready,  // allocated (and bound, if asked); no request out
  Refreshing,
  Deleting,
  Closed,
  Failed,
};

struct Session {
  Conn conn;
  Phase phase = Phase::Idle;
  stun::TransactionId txid{};
  int64_t request_sent_ns = 0;
  int tries = 0;
  int64_t started_ns = 0;
  int64_t ready_ns = 0;
  std::string nonce;
  std::string realm;
  TransportAddress relayed;
  uint32_t lifetime = 0;
  int64_t refresh_due_ns = 0;
  uint32_t refreshes = 0;  // answered with success
  std::string failure;     // the error code ("486") or "timeout", once Failed
};

// What a session's setup includes beyond the allocation itself.
struct SessionGoal {
  bool permission = false;
  bool channel = false;
  TransportAddress peer;
  uint16_t channel_number = 0x4000;
};

enum class SessionEvent : uint8_t { None, Ready, Failed, Closed };

class SessionDriver {
 public:
  static constexpr int kMaxTries = 5;

  SessionDriver(Transport transport, const TransportAddress& server,
                std::optional<TransportAddress> source, SSL_CTX* tls, int timeout_ms,
                Credentials& credentials, SessionGoal goal, UdpIo& io, Poller& poller)
      : transport_(transport),
        server_(server),
        source_(source),
        tls_(tls),
        timeout_ms_(timeout_ms),
        credentials_(credentials),
        goal_(goal),
        io_(io),
        poller_(poller) {}

  // Opens the session's socket (registered with the poller under `key`) and sends the
  // first Allocate. Failed (with failure set) when the socket cannot be had.
  SessionEvent start(Session& s, uint64_t key, int64_t now);
  // A message that arrived on the session's socket. Messages that are not the answer to
  // its outstanding request (data, strays, late duplicates) are ignored.
  SessionEvent on_message(Session& s, std::span<const uint8_t> bytes, int64_t now);
  // Retransmits or gives up on the outstanding request; refreshes a Ready session whose
  // refresh is due (when `refresh`).
  SessionEvent tick(Session& s, int64_t now, bool refresh);
  // Refresh LIFETIME 0. A session with nothing allocated is just closed.
  SessionEvent start_delete(Session& s, int64_t now);

 private:
  void send_request(Session& s, Phase phase, int64_t now, bool same_id);
  SessionEvent after_allocated(Session& s, int64_t now);
  SessionEvent fail(Session& s, std::string why);
  SessionEvent close(Session& s);

  Transport transport_;
  TransportAddress server_;
  std::optional<TransportAddress> source_;
  SSL_CTX* tls_;
  int timeout_ms_;
  Credentials& credentials_;
  SessionGoal goal_;
  UdpIo& io_;
  Poller& poller_;
  uint32_t sequence_ = 0;
};

}  // namespace tern::bench
