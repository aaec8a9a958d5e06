#include "tests/support/certs.h"

#include <fstream>

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

Result<CertFiles, std::string> make_test_ca(const std::filesystem::path& dir) {
  CertFiles files{dir / "ca.pem", dir / "ca.key"};
  auto r = run_command({"/usr/bin/openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=tern test CA",
                        "-addext",
                        "basicConstraints=critical,CA:TRUE",
                        "-addext",
                        "keyUsage=critical,keyCertSign,cRLSign",
                        "-keyout",
                        files.key.string(),
                        "-out",
                        files.cert.string()},
                       dir);
  if (!r.status.clean())
    return unexpected("openssl req (CA): " + r.status.describe() + ": " + r.err);
  return files;
}

Result<CertFiles, std::string> make_ca_signed_cert(const CertFiles& ca,
                                                   const std::filesystem::path& dir,
                                                   const std::string& name, const std::string& cn) {
  CertFiles files{dir / (name + ".pem"), dir / (name + ".key")};
  const std::string csr = (dir / (name + ".csr")).string();
  auto r = run_command({"/usr/bin/openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + cn, "-keyout",
                        files.key.string(), "-out", csr},
                       dir);
  if (!r.status.clean()) return unexpected("openssl req: " + r.status.describe() + ": " + r.err);
  const std::filesystem::path extensions = dir / (name + ".ext");
  { std::ofstream(extensions) << "subjectAltName=DNS:localhost\n"; }
  r = run_command({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca.cert.string(),
                   "-CAkey", ca.key.string(), "-CAcreateserial", "-days", "1", "-extfile",
                   extensions.string(), "-out", files.cert.string()},
                  dir);
  if (!r.status.clean()) return unexpected("openssl x509: " + r.status.describe() + ": " + r.err);
  return files;
}

}  // namespace tern::test
