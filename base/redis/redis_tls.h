#pragma once
// TLS to Redis (tls=1 in the connection string). hiredis 0.14, Debian 12's, has no TLS, so
// tern does the I/O itself (redis_async over a libevent OpenSSL bufferevent, redis_socket
// over a blocking socket) and keeps hiredis for the protocol only; this file makes the
// OpenSSL side: a client context from the files the connection string names, and one
// session per connection that checks the server's name.

#include <string>

#include "base/libevent.h"
#include "base/redis/redis_connection_string.h"
#include "protocol/result.h"

namespace tern {

// TLS 1.2 or later, the server certificate verified against ca=/capath= (else the
// system's CAs) unless verify=none. The error names the file and OpenSSL's reason.
Result<SslCtxPtr, std::string> make_redis_tls_context(const RedisTlsConfig& tls);

// A client session on `ctx` for the server reached as `host` (sni= overrides it): SNI when
// it is a name, and the certificate must hold that name (or that IP address).
Result<SslPtr, std::string> make_redis_tls_session(SSL_CTX* ctx, const RedisTlsConfig& tls,
                                                   const std::string& host);

// OpenSSL's error `code` in a line's words. The alerts a server sends about our client
// certificate say so (OpenSSL's own text names only the alert), since that is what an
// operator must fix: "the server wants a client certificate ...", "the server refused our
// client certificate: ...".
std::string redis_tls_reason(unsigned long code);

// Why a connection ended before the server's first answer (`why`: the socket's or the
// bufferevent's word; `code`: the first OpenSSL error queued for it, 0 for none). In
// TLS 1.3 a server checks our client certificate after our side of the handshake is
// done and often just hangs up, its alert lost to the reset: once it had asked for a
// certificate, that hang-up is its verdict on ours, or on our having none, and the line
// says so. A certificate verdict or an alert that says more wins.
std::string redis_tls_hangup(const SSL* ssl, unsigned long code, const std::string& why);

// Why a handshake or a read failed, in OpenSSL's words: the certificate check's verdict
// when that was it, else the error queue (emptied), else `fallback`.
std::string redis_tls_error(const SSL* ssl, const std::string& fallback);

}  // namespace tern
