#include "base/redis/redis_tls.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>

#include "base/openssl_error.h"

namespace tern {
namespace {

bool is_address(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

// The alerts a server answers a client certificate it will not take with.
bool refuses_client_certificate(int reason) {
  switch (reason) {
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      return true;
    default:
      return false;
  }
}

// The SSL ex_data slot that marks a session whose server asked for a client certificate.
int certificate_request_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL calls it when the server sends a CertificateRequest, with or without a
// certificate of ours to send.
int note_certificate_request(SSL* ssl, void*) {
  static int marker = 1;
  SSL_set_ex_data(ssl, certificate_request_index(), &marker);
  return 1;
}

bool asked_for_certificate(const SSL* ssl) {
  return ssl != nullptr && SSL_get_ex_data(ssl, certificate_request_index()) != nullptr;
}

// A hang-up says nothing of why; an alert or a protocol error does.
bool says_why(unsigned long code) {
  return code != 0 && ERR_GET_LIB(code) == ERR_LIB_SSL &&
         ERR_GET_REASON(code) != SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

}  // namespace

std::string redis_tls_hangup(const SSL* ssl, unsigned long code, const std::string& why) {
  if (code == 0) code = ERR_peek_error();
  const bool refused_server = ssl != nullptr && SSL_get_verify_result(ssl) != X509_V_OK;
  if (refused_server || says_why(code) || !asked_for_certificate(ssl)) {
    if (refused_server || ERR_peek_error() != 0) return redis_tls_error(ssl, why);
    return code != 0 ? "TLS: " + redis_tls_reason(code) : why;
  }
  ERR_clear_error();
  // SSL_get_certificate is not const in OpenSSL's signature; it only reads.
  if (SSL_get_certificate(const_cast<SSL*>(ssl)) == nullptr) {
    return "TLS: the server wants a client certificate (give cert= and clientkey=): it asked "
           "for one, then hung up (" +
           why + ")";
  }
  return "TLS: the server refused our client certificate: it asked for it, then hung up (" + why +
         ")";
}

std::string redis_tls_reason(unsigned long code) {
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
    const int reason = ERR_GET_REASON(code);
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) {
      return "the server wants a client certificate (give cert= and clientkey=)";
    }
    if (refuses_client_certificate(reason)) {
      const char* alert = ERR_reason_error_string(code);
      return fmt::format("the server refused our client certificate ({})",
                         alert != nullptr ? alert : text.data());
    }
  }
  return text.data();
}

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
  SSL_set_cert_cb(ssl.get(), note_certificate_request, nullptr);
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
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_clear_error();
    return "TLS: " + redis_tls_reason(code);
  }
  return fallback;
}

}  // namespace tern
