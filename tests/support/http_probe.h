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
// As http(), from `source` ("127.0.0.2": any 127.0.0.0/8 address) instead of 127.0.0.1.
std::optional<HttpReply> http_from(const std::string& source, const std::string& method,
                                   const std::string& target,
                                   const std::optional<std::string>& token, uint16_t port);
// `request` sent as it is (malformed or oversized ones); nullopt also when the server
// closes without a reply.
std::optional<HttpReply> http_raw(const std::string& request, uint16_t port);
std::optional<HttpReply> http_over_unix(const std::string& method, const std::string& target,
                                        const std::optional<std::string>& token,
                                        const std::filesystem::path& socket);

}  // namespace tern::test
