#include "tests/support/admin_socket.h"

namespace tern::test {

std::vector<std::string> AdminSocket::args(const std::vector<std::string>& then) const {
  std::vector<std::string> out = {"--admin-listen", path().string(), "--admin-token", token_};
  out.insert(out.end(), then.begin(), then.end());
  return out;
}

std::optional<HttpReply> AdminSocket::request(const std::string& method,
                                              const std::string& target) const {
  return http_over_unix(method, target, token_, path());
}

}  // namespace tern::test
