#include "server/worker/auth_guard.h"

#include "protocol/stun_constants.h"
#include "protocol/text_attributes.h"

namespace tern {

namespace {

// What the request claims to be: USERNAME's bytes, else USERHASH's (RFC 8489 §14.4).
std::span<const uint8_t> identity(const stun::MessageView& m) {
  if (auto a = m.find(stun::attr::Username)) return a->value;
  if (auto a = m.find(stun::attr::Userhash)) return a->value;
  return {};
}

std::string_view user_text(const stun::MessageView& m) {
  if (auto u = stun::Username::get_from(m)) return u->value;
  return m.has(stun::attr::Userhash) ? "(USERHASH)" : "";
}

// What the log names: the failures a client can only reach with a nonce issued to its
// address. A foreign nonce or a malformed request may come from a spoofed source, and a
// stale nonce with a good integrity is RFC 8489's normal nonce renewal, not a failure.
bool logged(auth::AuthFailure why) {
  using enum auth::AuthFailure;
  return why == UnknownUser || why == WrongRealm || why == ExpiredCredential ||
         why == RevokedCredential || why == BadIntegrity || why == HeldBack;
}

}  // namespace

bool AuthGuard::held_back(const stun::MessageView& m, const RequestContext& ctx) const {
  if (!m.has(stun::attr::MessageIntegrity) && !m.has(stun::attr::MessageIntegritySha256)) {
    return false;  // the first request of every client: challenged, never checked
  }
  // An IP is held only by what proven streams from it did, so it binds UDP from there too.
  if (limiter.held(limiter.key(ctx.client), ctx.mono_ms)) return true;
  return ctx.transport == Transport::Udp &&
         limiter.held(limiter.key(ctx.client, identity(m)), ctx.mono_ms);
}

void AuthGuard::on_failure(const stun::MessageView& m, const RequestContext& ctx,
                           auth::AuthFailure why) const {
  if (!logged(why)) return;  // every guess is logged (and rate-limited there)
  const bool guess = auth::is_guess(why);
  const auto realm = stun::Realm::get_from(m);
  const AuthFailureLog::Failure failure{.user = user_text(m),
                                        .realm = realm ? realm->value : std::string_view(),
                                        .source = ctx.client,
                                        .transport = ctx.transport,
                                        .reason = why};
  log.note(failure, ctx.mono_ms);

  const AuthFailureBudget& budget = limiter.budget();
  bool close = false;
  // Held-back answers count on the connection too: a held guesser cannot keep one open.
  if ((guess || why == auth::AuthFailure::HeldBack) && ctx.link.stream &&
      budget.per_connection > 0) {
    close = ctx.link.stream->count_auth_failure() >= budget.per_connection;
  }
  if (guess) {
    const uint64_t key = ctx.transport == Transport::Udp ? limiter.key(ctx.client, identity(m))
                                                         : limiter.key(ctx.client);
    if (limiter.fail(key, ctx.mono_ms)) {
      log.note_hold(failure, budget.hold_s, ctx.mono_ms);
      close = close || ctx.link.stream != nullptr;
    }
  }
  if (close) ctx.link.stream->close_after_reply(streams_closed, ClientStream::Linger::No);
}

}  // namespace tern
