#pragma once
// The one HTTP request at a time ternctl makes to a running ternd's admin API: blocking
// sockets and HTTP/1.1 with "Connection: close", bounded by a deadline so a stuck server
// never hangs a script.

#include <chrono>
#include <string>
#include <string_view>

#include "protocol/result.h"

namespace tern::admin {

struct HttpResponse {
  int status = 0;
  std::string body;
};

struct HttpRequest {
  std::string_view method;  // "GET", "POST", "DELETE"
  std::string_view target;  // "/v1/sessions?user=alice", already percent-encoded
  std::string_view token;   // sent as "Authorization: Bearer <token>"
};

// `server` is "IP:port", "[IPv6]:port", "host:port" or a unix socket path (starting with
// '/'). The error is a whole sentence:
//   "cannot reach ternd admin API at 127.0.0.1:5767: Connection refused".
Result<HttpResponse, std::string> http_call(
    const std::string& server, const HttpRequest& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A whole reply as read until the server closed: the status and the body (cut to
// Content-Length when there is one). The error says why it is not one.
Result<HttpResponse, std::string> parse_http_response(std::string_view raw);

// RFC 3986 percent-encoding of everything but the unreserved characters, for a query value.
std::string percent_encode(std::string_view s);

}  // namespace tern::admin
