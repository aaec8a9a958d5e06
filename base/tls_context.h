#pragma once
// The server's TLS configuration, shared read-only by every worker's listeners.

#include <string>

#include "base/libevent.h"
#include "protocol/result.h"

namespace tern {

struct TlsSettings {
  std::string cert;          // PEM chain
  std::string pkey;          // PEM private key
  std::string cipher_list;   // OpenSSL cipher string for TLS 1.2; empty: OpenSSL's default
  bool tls13_only = false;   // no-tlsv1_2
  std::string key_password;  // for an encrypted pkey; empty: an encrypted key is an error
  std::string client_ca;     // a PEM file: clients must present a certificate it signed
};

// TLS 1.2 and 1.3 (1.3 only with tls13_only). The error names the file and OpenSSL's reason.
Result<SslCtxPtr, std::string> make_server_tls_context(const TlsSettings& settings);

}  // namespace tern
