#pragma once
// The server's TLS configuration, shared read-only by every worker's listeners.

#include <string>

#include "base/libevent.h"
#include "protocol/result.h"

namespace tern {

struct TlsSettings {
  std::string cert;         // PEM chain
  std::string pkey;         // PEM private key
  std::string cipher_list;  // OpenSSL cipher string for TLS 1.2; empty: OpenSSL's default
};

// TLS 1.2 and 1.3. The error names the file and OpenSSL's reason.
Result<SslCtxPtr, std::string> make_server_tls_context(const TlsSettings& settings);

}  // namespace tern
