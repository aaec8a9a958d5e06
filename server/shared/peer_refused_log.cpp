#include "server/shared/peer_refused_log.h"

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

void PeerRefusedLog::note(const Refusal& r, int64_t now_ms) {
  if (!lines_.admit(r.client, now_ms)) return;
  lines_.logger().warning("peer refused peer={} rule={} session={} user={} client={}",
                          r.peer.to_string(), r.rule, r.session, log_quoted(r.user),
                          r.client.to_string());
}

}  // namespace tern
