#include "base/redis/redis_tls.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/openssl_error.h"

namespace tern {
namespace {

bool is_address(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

}  // namespace

Result<SslCtxPtr, std::string> make_redis_tls_context(const RedisTlsConfig& tls) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return unexpected("TLS: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (tls.verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (tls.ca.empty() && tls.capath.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        return unexpected("TLS: the system's CAs: " + openssl_reason());
      }
    } else if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca.empty() ? nullptr : tls.ca.c_str(),
                                             tls.capath.empty() ? nullptr : tls.capath.c_str()) !=
               1) {
      return unexpected(fmt::format("TLS: cannot load CA {}: {}",
                                    tls.ca.empty() ? tls.capath : tls.ca, openssl_reason()));
    }
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  if (!tls.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert.c_str()) != 1) {
      return unexpected(
          fmt::format("TLS: cannot load certificate {}: {}", tls.cert, openssl_reason()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return unexpected(fmt::format("TLS: cannot load key {}: {}", tls.key, openssl_reason()));
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return unexpected(
          fmt::format("TLS: key {} does not match certificate {}", tls.key, tls.cert));
    }
  }
  return ctx;
}

Result<SslPtr, std::string> make_redis_tls_session(SSL_CTX* ctx, const RedisTlsConfig& tls,
                                                   const std::string& host) {
  SslPtr ssl(SSL_new(ctx));
  if (!ssl) return unexpected("TLS: " + openssl_reason());
  const std::string& name = tls.sni.empty() ? host : tls.sni;
  const bool ip = is_address(name);
  // RFC 6066 §3: no SNI for an address literal.
  if (!ip && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) != 1) {
    return unexpected("TLS: server name: " + openssl_reason());
  }
  if (tls.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    if (set != 1) return unexpected("TLS: cannot check the name " + name);
  }
  return ssl;
}

std::string redis_tls_error(const SSL* ssl, const std::string& fallback) {
  if (ssl != nullptr) {
    const long verdict = SSL_get_verify_result(ssl);
    if (verdict != X509_V_OK) {
      ERR_clear_error();
      return fmt::format("TLS: server certificate refused: {}",
                         X509_verify_cert_error_string(verdict));
    }
  }
  if (ERR_peek_error() != 0) return "TLS: " + openssl_reason();
  return fallback;
}

}  // namespace tern
