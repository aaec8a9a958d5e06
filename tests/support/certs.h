#pragma once
// A self-signed certificate for ternd's TLS listener, made at test time with the openssl
// CLI so no key material is committed and none outlives its test.

#include <filesystem>
#include <string>

#include "protocol/result.h"

namespace tern::test {

struct CertFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

// EC P-256, CN=localhost, valid one day, written as cert.pem and key.pem into `dir`.
// The error says what openssl printed.
Result<CertFiles, std::string> make_self_signed_cert(const std::filesystem::path& dir);

// A test CA (EC P-256, one day) as ca.pem and ca.key in `dir`.
Result<CertFiles, std::string> make_test_ca(const std::filesystem::path& dir);

// A server certificate signed by `ca`, subjectAltName DNS:localhost, subject CN=`cn`,
// written as `name`.pem and `name`.key in `dir`, so a client verifying against the CA
// accepts it and can tell two of them apart by their CN.
Result<CertFiles, std::string> make_ca_signed_cert(const CertFiles& ca,
                                                   const std::filesystem::path& dir,
                                                   const std::string& name, const std::string& cn);

}  // namespace tern::test
