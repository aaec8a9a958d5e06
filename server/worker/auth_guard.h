#pragma once
// The dispatcher's side of the defence against online password guessing: what a failed
// check costs the source and the connection (auth_failure_limiter.h), and its log line
// (auth_failure_log.h). Kept out of dispatcher.cpp so the request path there stays a
// table of handlers.

#include "auth/authenticator.h"
#include "protocol/message.h"
#include "server/core/request_context.h"
#include "server/shared/auth_failure_limiter.h"
#include "server/shared/auth_failure_log.h"

namespace tern {

struct AuthGuard {
  AuthFailureLimiter& limiter;
  AuthFailureLog& log;
  Counter& streams_closed;  // a stream closed for its failures

  // Whether `m`, which carries credentials, comes from a source held back: it is then
  // answered 401 without its password being looked at.
  bool held_back(const stun::MessageView& m, const RequestContext& ctx) const;
  // A check failed for `why` (or held_back skipped it): charges the source's and the
  // connection's budgets, logs it, and has a stream closed once it spent either.
  void on_failure(const stun::MessageView& m, const RequestContext& ctx,
                  auth::AuthFailure why) const;
};

}  // namespace tern
