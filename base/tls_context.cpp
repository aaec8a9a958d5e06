#include "base/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <optional>

#include "base/dtls_cookie.h"
#include "base/openssl_error.h"

namespace tern {

namespace {

// OpenSSL's default would ask for the passphrase on the terminal, which a service has not:
// without a configured password an encrypted key fails at once, with OpenSSL's reason.
int key_password(char* buf, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password->empty() || static_cast<int>(password->size()) > size) return 0;
  password->copy(buf, password->size());
  return static_cast<int>(password->size());
}

std::optional<std::string> require_client_certificates(SSL_CTX* ctx, const std::string& ca) {
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1)
    return "CA-file " + ca + ": " + openssl_reason();
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
  if (names == nullptr) return "CA-file " + ca + ": no certificate in it";
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return std::nullopt;
}

}  // namespace

namespace {

// What TLS and DTLS contexts share: options, ciphers, the identity, client certificates.
Result<SslCtxPtr, std::string> configure(SslCtxPtr ctx, const TlsSettings& settings) {
  // No renegotiation and no compression: both were attack surfaces, neither is needed.
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!settings.cipher_list.empty() &&
      SSL_CTX_set_cipher_list(ctx.get(), settings.cipher_list.c_str()) != 1) {
    return unexpected("cipher-list \"" + settings.cipher_list + "\": " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), settings.cert.c_str()) != 1) {
    return unexpected("cert " + settings.cert + ": " + openssl_reason());
  }
  // The callback reads `settings` only while the key is loaded, just below.
  SSL_CTX_set_default_passwd_cb(ctx.get(), key_password);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(),
                                         const_cast<std::string*>(&settings.key_password));
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(ctx.get(), settings.pkey.c_str(), SSL_FILETYPE_PEM) == 1;
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), nullptr);
  SSL_CTX_set_default_passwd_cb(ctx.get(), nullptr);
  if (!key_loaded) return unexpected("pkey " + settings.pkey + ": " + openssl_reason());
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return unexpected("pkey " + settings.pkey + " does not match cert " + settings.cert + ": " +
                      openssl_reason());
  }
  if (!settings.client_ca.empty())
    if (auto error = require_client_certificates(ctx.get(), settings.client_ca))
      return unexpected(*error);
  return ctx;
}

}  // namespace

Result<SslCtxPtr, std::string> make_server_tls_context(const TlsSettings& settings) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return unexpected("cannot create TLS context: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx.get(), settings.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  return configure(std::move(ctx), settings);
}

Result<SslCtxPtr, std::string> make_server_dtls_context(const TlsSettings& settings) {
  SslCtxPtr ctx(SSL_CTX_new(DTLS_server_method()));
  if (!ctx) return unexpected("cannot create DTLS context: " + openssl_reason());
  // DTLS 1.0 is TLS 1.1's counterpart, which the TLS listener refuses too.
  SSL_CTX_set_min_proto_version(ctx.get(), DTLS1_2_VERSION);
  // The cookie exchange (RFC 6347 §4.2.1) before any state per client: DTLSv1_listen.
  SSL_CTX_set_options(ctx.get(), SSL_OP_COOKIE_EXCHANGE);
  // The path MTU is not queried: records leave through the listener's socket.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  use_dtls_cookies(ctx.get());
  return configure(std::move(ctx), settings);
}

namespace {

std::string asn1_time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string certificate_summary(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return "no certificate";
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  return std::string("subject ") + subject + ", notAfter " +
         asn1_time_text(X509_get0_notAfter(cert));
}

SslPtr ServerTls::new_connection() const {
  std::lock_guard lock(mutex_);
  return SslPtr(SSL_new(ctx_.get()));
}

SslPtr ServerTls::new_dtls_connection() const {
  std::lock_guard lock(mutex_);
  return dtls_ ? SslPtr(SSL_new(dtls_.get())) : SslPtr{};
}

void ServerTls::replace_dtls(SslCtxPtr ctx) {
  {
    std::lock_guard lock(mutex_);
    std::swap(dtls_, ctx);
  }
}

void ServerTls::replace(SslCtxPtr ctx) {
  {
    std::lock_guard lock(mutex_);
    std::swap(ctx_, ctx);
  }
  // `ctx` (the old context) is released here, outside the lock; its connections keep it.
}

std::string ServerTls::certificate_der() const {
  std::lock_guard lock(mutex_);
  X509* cert = SSL_CTX_get0_certificate(ctx_.get());
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert, &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace tern
