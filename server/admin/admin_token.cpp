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
#include <utility>

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

}  // namespace

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

Result<std::string, std::string> random_admin_token() {
  std::array<uint8_t, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return unexpected(std::string("the random number generator is not seeded"));
  }
  return auth::base64url_encode(bytes);
}

Result<StagedTokenFile, std::string> StagedTokenFile::stage(const std::string& path,
                                                            std::string_view token) {
  std::string tmp = path + ".XXXXXX";
  // mkstemp creates the file 0600, so the token is never readable by others, not even
  // between creation and the rename.
  FileDescriptor fd(::mkstemp(tmp.data()));
  if (!fd.valid()) return unexpected(path + ": " + errno_text());
  StagedTokenFile staged(path, tmp);
  auto written = write_all(fd.get(), std::string(token) + "\n");
  if (written && ::fsync(fd.get()) != 0) written = unexpected(errno_text());
  if (!written) return unexpected(path + ": " + written.error());
  return staged;
}

StagedTokenFile::StagedTokenFile(StagedTokenFile&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::exchange(other.tmp_, std::string())) {}

StagedTokenFile::~StagedTokenFile() {
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Result<std::monostate, std::string> StagedTokenFile::commit() {
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return unexpected(path_ + ": " + errno_text());
  tmp_.clear();
  return std::monostate{};
}

Result<std::monostate, std::string> write_token_file(const std::string& path,
                                                     std::string_view token) {
  auto staged = StagedTokenFile::stage(path, token);
  if (!staged) return unexpected(staged.error());
  return staged->commit();
}

std::string no_admin_token_line() {
  return "admin API off: no admin-token, and nowhere to write a generated one (" +
         std::string(auth::kRuntimeTokenDir) +
         " is not a writable directory and there is no userdb); give admin-token or "
         "admin-token-file";
}

std::string AdminToken::source() const {
  if (!read_from.empty()) return "read from " + read_from;
  if (!file.empty()) return "in " + file;
  return "from admin-token";
}

Result<std::optional<AdminToken>, std::string> choose_admin_token(const Config& config,
                                                                  const AdminToken* in_force) {
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
  if (in_force != nullptr && !in_force->path().empty()) {
    return std::optional{AdminToken{in_force->token, file, ""}};
  }
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
