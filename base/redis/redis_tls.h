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

// Why a handshake or a read failed, in OpenSSL's words: the certificate check's verdict
// when that was it, else the error queue (emptied), else `fallback`.
std::string redis_tls_error(const SSL* ssl, const std::string& fallback);

}  // namespace tern
