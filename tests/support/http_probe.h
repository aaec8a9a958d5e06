#pragma once
// A blocking HTTP/1.1 request for tests of ternd's admin API and /metrics, over TCP on
// 127.0.0.1 or a unix socket. Independent of ternctl's client, so the two check each other.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace tern::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// `token` goes out as "Authorization: Bearer <token>". nullopt: no connection, or no whole
// reply (the server closes after it) within 5 s.
std::optional<HttpReply> http(const std::string& method, const std::string& target,
                              const std::optional<std::string>& token, uint16_t port);
std::optional<HttpReply> http_over_unix(const std::string& method, const std::string& target,
                                        const std::optional<std::string>& token,
                                        const std::filesystem::path& socket);

}  // namespace tern::test
