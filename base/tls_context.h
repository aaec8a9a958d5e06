#pragma once
// The server's TLS configuration, shared by every worker's listeners.

#include <mutex>
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

  bool operator==(const TlsSettings&) const = default;
};

// TLS 1.2 and 1.3 (1.3 only with tls13_only). The error names the file and OpenSSL's reason.
Result<SslCtxPtr, std::string> make_server_tls_context(const TlsSettings& settings);

// The same for DTLS 1.2 (the TLS port's UDP socket), with the cookie exchange on.
Result<SslCtxPtr, std::string> make_server_dtls_context(const TlsSettings& settings);

// "subject CN=turn.example.org, notAfter 2027-03-01T12:00:00Z": what a reload logs.
std::string certificate_summary(SSL_CTX* ctx);

// The context new TLS connections are made with. A reload replaces it while connections
// made before keep theirs: every SSL holds a reference to its SSL_CTX, so the old one is
// freed with its last connection.
class ServerTls {
 public:
  explicit ServerTls(SslCtxPtr ctx) : ctx_(std::move(ctx)) {}

  // Thread-safe (workers accept while the main thread reloads); null on failure.
  SslPtr new_connection() const;
  // The same for DTLS; null while no DTLS context is set (no-dtls).
  SslPtr new_dtls_connection() const;
  // Thread-safe.
  void replace(SslCtxPtr ctx);
  void replace_dtls(SslCtxPtr ctx);
  // The leaf certificate in force, for a reload to tell whether it changed (DER).
  std::string certificate_der() const;

 private:
  mutable std::mutex mutex_;
  SslCtxPtr ctx_;
  SslCtxPtr dtls_;
};

}  // namespace tern
