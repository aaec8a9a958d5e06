#pragma once
// ternd's admin API on a unix socket in a temp dir of its own (no port to race for, and
// no other test's socket to meet), and requests to it with its bearer token.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/http_probe.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

class AdminSocket {
 public:
  explicit AdminSocket(std::string token) : token_(std::move(token)) {}

  // ternd's arguments for it (--admin-listen, --admin-token), then `then`.
  std::vector<std::string> args(const std::vector<std::string>& then = {}) const;
  // `method` `target` with the token; nullopt as http_over_unix().
  std::optional<HttpReply> request(const std::string& method, const std::string& target) const;
  std::filesystem::path path() const { return dir_ / "admin.sock"; }

 private:
  TempDir dir_;
  std::string token_;
};

}  // namespace tern::test
