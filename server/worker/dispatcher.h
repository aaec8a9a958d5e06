#pragma once
// The first stop of every datagram and stream frame: sort STUN from ChannelData from
// garbage, check what RFC 8489 §6.3 asks of every message, and hand requests to their
// handler by (method, class).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "protocol/channel_data.h"
#include "protocol/message.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/core/response.h"
#include "server/shared/challenge_limiter.h"
#include "server/worker/auth_guard.h"
#include "server/worker/rfc5780_sockets.h"

namespace tern {

class Logger;
struct TurnContext;

struct DispatchOptions {
  std::string software;                                       // SOFTWARE value; empty for none
  bool allow_rfc3489 = false;                                 // --stun-backward-compatibility
  bool stun = true;                                           // false: --no-stun
  bool turn = true;                                           // false: --stun-only
  bool secure_stun = false;                                   // --secure-stun
  stun::ChannelRange channels = stun::ChannelRange::Rfc5766;  // --strict-channel-numbers
  // The server's per-source limits (--challenge-rate, --binding-rate), shared by every
  // worker; required.
  UnauthenticatedLimits* limits = nullptr;
  // DEBUG (-v, ternctl log-level debug) logs every request and its response here; null:
  // never (tests).
  Logger* trace = nullptr;
};

class Dispatcher {
 public:
  Dispatcher(const DispatchOptions& options, WorkerCounters& counters);

  // TURN methods are answered once a worker attaches its TURN context; before (or
  // without) it they get 400 like any unknown method.
  void attach_turn(TurnContext* turn) { turn_ = turn; }
  // RFC 5780: this worker's four listeners of a family and kind (owned by the worker,
  // outliving this).
  void add_rfc5780(const Rfc5780Sockets* sockets) { rfc5780_.push_back(sockets); }
  // A reload rebuilds the grids: the old ones are forgotten before the worker frees them.
  void clear_rfc5780() { rfc5780_.clear(); }
  const ResponsePolicy& policy() const { return policy_; }
  const DispatchOptions& options() const { return options_; }
  // A TCP/TLS client went away: its allocation goes at once (RFC 8656 §3.1... §5).
  void on_stream_closed(const RequestContext& ctx);
  // A TLS client's handshake failed, for `reason`: said in the log, within its budget.
  void on_tls_handshake_failed(const RequestContext& ctx, std::string_view reason);

  // Whether the client of `ctx` has an allocation on this 5-tuple (a retired listener
  // serves only those).
  bool has_allocation(const RequestContext& ctx) const;

  // Handles one datagram or frame; writes the reply, if any, to `out` and returns its
  // size (0: nothing to send).
  size_t handle(std::span<const uint8_t> packet, const RequestContext& ctx, std::span<uint8_t> out);

 private:
  size_t handle_stun(std::span<const uint8_t> packet, const RequestContext& ctx,
                     std::span<uint8_t> out);
  size_t handle_request(const stun::MessageView& m, const RequestContext& ctx,
                        std::span<uint8_t> out);
  size_t handle_secure_binding(const stun::MessageView& m, const RequestContext& ctx,
                               std::span<uint8_t> out);
  size_t handle_turn_request(const stun::MessageView& m, const RequestContext& ctx,
                             std::span<uint8_t> out);
  size_t reply_auth_failure(const stun::MessageView& m, const RequestContext& ctx,
                            const auth::AuthResult& auth, std::span<uint8_t> out);
  size_t reply_bad_request(std::span<const uint8_t> packet, const RequestContext& ctx,
                           std::span<uint8_t> out);
  size_t reply_unauthenticated_error(const stun::MessageView& m, const RequestContext& ctx,
                                     stun::ErrorCode code, std::span<uint8_t> out,
                                     std::span<const uint16_t> unknown = {});
  size_t limit_if_unverified(size_t size, const RequestContext& ctx, std::span<const uint8_t> out);
  bool may_answer_unauthenticated(ChallengeLimiter& limiter, Counter& limited,
                                  const RequestContext& ctx);
  // An error to a request whose integrity was not checked, over any transport: within the
  // source's --challenge-rate (a stream over it is closed, see client_link.h).
  bool may_answer_error(const RequestContext& ctx);
  auth::AuthScratch& auth_scratch();
  AuthGuard guard() const;
  Rfc5780Link rfc5780_of(const RequestContext& ctx) const;

  DispatchOptions options_;
  ResponsePolicy policy_;
  WorkerCounters& counters_;
  TurnContext* turn_ = nullptr;
  UnauthenticatedLimits& limits_;
  std::optional<auth::AuthScratch> auth_scratch_;  // made on the first authenticated request
  std::vector<const Rfc5780Sockets*> rfc5780_;
};

}  // namespace tern
