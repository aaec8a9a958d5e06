#include "server/shared/tls_failure_log.h"

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

void TlsFailureLog::note(const Failure& f, int64_t now_ms) {
  if (!lines_.admit(f.source, now_ms)) return;
  lines_.logger().warning("TLS handshake failed source={} listener={} reason={}",
                          f.source.to_string(), f.listener.to_string(), log_quoted(f.reason));
}

}  // namespace tern
