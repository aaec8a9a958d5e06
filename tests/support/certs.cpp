#include "tests/support/certs.h"

#include "tests/support/process.h"

namespace tern::test {

Result<CertFiles, std::string> make_self_signed_cert(const std::filesystem::path& dir) {
  CertFiles files{dir / "cert.pem", dir / "key.pem"};
  auto r =
      run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                   "-keyout", files.key.string(), "-out", files.cert.string()},
                  dir);
  if (!r.status.clean()) {
    return unexpected("openssl req: " + r.status.describe() + ": " + r.err);
  }
  return files;
}

}  // namespace tern::test
