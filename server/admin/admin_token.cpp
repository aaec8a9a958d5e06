#include "server/admin/admin_token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strings.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "auth/base64.h"
#include "auth/crypto.h"
#include "base/file_descriptor.h"
#include "server/config/config.h"

namespace tern {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

bool writable_dir(const std::string& dir) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir.c_str(), W_OK) == 0;
}

Result<std::monostate, std::string> write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return unexpected(errno_text());
    text.remove_prefix(static_cast<size_t>(n));
  }
  return std::monostate{};
}

// The token on the file's first line; "" when there is no file or it is empty, so one is
// generated. A file there that cannot be read is an error: generating a token would
// overwrite it.
Result<std::string, std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::string();
    return unexpected(path + ": cannot read: " + errno_text());
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.erase(0, 1);
  return line;
}

}  // namespace

Result<std::string, std::string> random_admin_token() {
  std::array<uint8_t, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return unexpected(std::string("the random number generator is not seeded"));
  }
  return auth::base64url_encode(bytes);
}

Result<std::monostate, std::string> write_token_file(const std::string& path,
                                                     std::string_view token) {
  std::string tmp = path + ".XXXXXX";
  // mkstemp creates the file 0600, so the token is never readable by others, not even
  // between creation and the rename.
  FileDescriptor fd(::mkstemp(tmp.data()));
  if (!fd.valid()) return unexpected(path + ": " + errno_text());
  auto written = write_all(fd.get(), std::string(token) + "\n");
  if (written && ::fsync(fd.get()) != 0) written = unexpected(errno_text());
  fd.reset();
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) written = unexpected(errno_text());
  if (!written) {
    ::unlink(tmp.c_str());
    return unexpected(path + ": " + written.error());
  }
  return std::monostate{};
}

Result<std::optional<AdminToken>, std::string> choose_admin_token(const Config& config) {
  if (!config.admin_token.empty()) return std::optional{AdminToken{config.admin_token, "", ""}};
  std::string file = config.admin_token_file;
  if (!file.empty()) {
    auto stored = read_token_file(file);
    if (!stored) return unexpected("admin-token-file " + stored.error());
    if (!stored->empty()) return std::optional{AdminToken{*stored, "", file}};
  }
  // The runtime directory systemd makes for the service, else beside the user database.
  if (file.empty() && writable_dir(std::string(auth::kRuntimeTokenDir))) {
    file = auth::runtime_token_file().string();
  }
  if (file.empty() && !config.userdb.empty())
    file = auth::token_file_beside(config.userdb).string();
  if (file.empty()) return std::optional<AdminToken>{};
  auto token = random_admin_token();
  if (!token) return unexpected("admin token: " + token.error());
  return std::optional{AdminToken{*token, file, ""}};
}

BearerCheck::BearerCheck(std::string_view token) {
  expected_ = auth::sha256(auth::as_bytes(token));
}

bool BearerCheck::accepts(const char* authorization) const {
  if (authorization == nullptr) return false;
  std::string_view header(authorization);
  constexpr std::string_view kScheme = "Bearer ";
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is not.
  if (header.size() < kScheme.size() ||
      ::strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0) {
    return false;
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  const auto presented = auth::sha256(auth::as_bytes(header));
  return CRYPTO_memcmp(presented.data(), expected_.data(), expected_.size()) == 0;
}

}  // namespace tern
