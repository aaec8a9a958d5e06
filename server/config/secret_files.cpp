#include "server/config/secret_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "server/config/config.h"

namespace tern {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Each value line of `path` through `take`, which refuses a bad one with a reason.
template <typename Take>
Result<size_t, std::string> read_lines(const std::string& path, Take take,
                                       std::vector<std::string>& warnings) {
  std::ifstream in(path);
  if (!in) return unexpected(path + ": cannot read: " + std::strerror(errno));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    warnings.push_back(path + ": other users may read these secrets; chmod 600 it");
  }
  size_t values = 0;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    const std::string_view line = trim(text);
    if (line.empty() || line.starts_with('#')) continue;
    if (auto why = take(line)) return unexpected(path + ":" + std::to_string(number) + ": " + *why);
    ++values;
  }
  return values;
}

}  // namespace

Result<std::monostate, std::string> read_secret_files(Config& config,
                                                      std::vector<std::string>& warnings) {
  for (const auto& path : config.static_auth_secret_files) {
    auto n = read_lines(
        path,
        [&](std::string_view secret) -> std::optional<std::string> {
          config.static_auth_secrets.emplace_back(secret);
          return std::nullopt;
        },
        warnings);
    if (!n) return unexpected("static-auth-secret-file " + n.error());
    // REST credentials are on: with no secret every one of them would be refused.
    if (*n == 0) return unexpected("static-auth-secret-file " + path + ": holds no secret");
  }
  if (!config.stateless_nonce_secret_file.empty()) {
    auto secret = read_nonce_secret_file(config.stateless_nonce_secret_file, warnings);
    if (!secret) return unexpected(secret.error());
    config.stateless_nonce_secret = std::move(*secret);
  }
  for (const auto& path : config.user_files) {
    auto n = read_lines(
        path,
        [&](std::string_view user) -> std::optional<std::string> {
          const auto colon = user.find(':');
          if (colon == std::string_view::npos || colon == 0) return "not name:password";
          config.users.emplace_back(user);
          return std::nullopt;
        },
        warnings);
    if (!n) return unexpected("user-file " + n.error());
  }
  return std::monostate{};
}

Result<std::string, std::string> read_nonce_secret_file(const std::string& path,
                                                        std::vector<std::string>& warnings) {
  std::string secret;
  auto n = read_lines(
      path,
      [&](std::string_view line) -> std::optional<std::string> {
        if (secret.empty()) secret = line;  // the first; later lines are notes to the operator
        return std::nullopt;
      },
      warnings);
  if (!n) return unexpected("stateless-nonce-secret-file " + n.error());
  if (*n == 0) return unexpected("stateless-nonce-secret-file " + path + ": holds no secret");
  return secret;
}

}  // namespace tern
