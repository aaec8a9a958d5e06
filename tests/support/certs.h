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

}  // namespace tern::test
