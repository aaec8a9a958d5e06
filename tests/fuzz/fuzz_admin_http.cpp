// ternd's admin API as a client on the admin socket reaches it: the input is the raw bytes
// of one connection (any number of pipelined requests, any headers, with or without the
// right bearer token), handed to a real evhttp with AdminApi's routing, query parsing and
// JSON replies (no workers, so the answers come at once). The reply is read back through
// ternctl's own response parser. Checks: every connection gets well-formed HTTP, every
// JSON body the API sends parses with ternctl's reader, and without the token nothing but
// 401 (or evhttp's own refusal of a malformed request) ever comes back.

#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "admin/http_client.h"
#include "base/json_value.h"
#include "base/libevent.h"
#include "base/log.h"
#include "base/task_queue.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_http.h"
#include "server/worker/worker.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;

constexpr std::string_view kToken = "fuzz-token";

struct Api {
  Api()
      : base(event_base_new()),
        home(base.get()),
        log(std::move(*Logger::open("/dev/null", LogLevel::Error))),
        api({}, home, kToken, nullptr, *log) {
    // ternd's own listener and evhttp settings (sizes, timeout, methods), on a unix
    // socket that only this process uses.
    auto opened = open_http(base.get(), path);
    TERN_FUZZ_CHECK(opened.ok());
    http = std::move(*opened);
    evhttp_set_gencb(http.get(), AdminApi::on_admin_request, &api);
  }
  ~Api() { ::unlink(path.c_str()); }
  std::string path = "/tmp/tern-fuzz-admin-" + std::to_string(getpid()) + ".sock";
  EventBasePtr base;
  TaskQueue home;
  std::unique_ptr<Logger> log;
  AdminApi api;
  EvHttpPtr http;
};

// One connection: writes the request bytes, closes its sending side, and returns
// everything ternd answered until it closed its end.
std::string exchange(Api& a, std::string_view request) {
  const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, a.path.c_str(), a.path.size() + 1);
  TERN_FUZZ_CHECK(::connect(client, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
  std::string answer;
  size_t written = 0;
  bool shut = false;
  for (int idle = 0; idle < 50;) {
    if (written < request.size()) {
      const ssize_t n =
          ::send(client, request.data() + written, request.size() - written, MSG_NOSIGNAL);
      if (n > 0) written += static_cast<size_t>(n);
    } else if (!shut) {
      ::shutdown(client, SHUT_WR);
      shut = true;
    }
    event_base_loop(a.base.get(), EVLOOP_NONBLOCK);
    char buffer[16384];
    const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n == 0 && shut) break;  // evhttp closed the connection
    if (n > 0) {
      answer.append(buffer, static_cast<size_t>(n));
      idle = 0;
    } else if (shut) {
      ++idle;
    }
  }
  ::close(client);
  // Let evhttp notice the close and free the connection before the next input.
  for (int i = 0; i < 4; ++i) event_base_loop(a.base.get(), EVLOOP_NONBLOCK);
  return answer;
}

bool has_header(std::string_view head, std::string_view line) {
  return head.find(line) != std::string_view::npos;
}

// Each reply in `answer` in turn: status line, headers, a body of Content-Length bytes.
void check_replies(std::string_view answer, bool authorized) {
  while (!answer.empty()) {
    const auto r = admin::parse_http_response(answer);
    // evhttp answers in the request's HTTP version, even "HTTP/1.-1"; ternctl only ever
    // sends HTTP/1.1, so only replies to 1.0 and 1.1 must be what it reads.
    TERN_FUZZ_CHECK(answer.starts_with("HTTP/"));
    if (!r && !answer.starts_with("HTTP/1.1 ") && !answer.starts_with("HTTP/1.0 ")) return;
    if (!r)
      std::fprintf(stderr, "not HTTP: %.*s\n", static_cast<int>(answer.size()), answer.data());
    TERN_FUZZ_CHECK(r.ok());
    const size_t head_end = answer.find("\r\n\r\n");
    const std::string_view head = answer.substr(0, head_end);
    // "100 Continue" is evhttp's interim answer to "Expect: 100-continue" (RFC 9110
    // §15.2.1), sent before the request reaches the admin API: no data, and the final
    // answer, checked next, follows it.
    const bool interim = r->status == 100 && r->body.empty();
    if (!authorized && !interim)
      TERN_FUZZ_CHECK(r->status == 401 || (r->status >= 400 && r->status != 404));
    if (has_header(head, "Content-Type: application/json")) {
      const auto json = JsonValue::parse(r->body);
      TERN_FUZZ_CHECK(json.has_value());
      if (r->status >= 400)
        TERN_FUZZ_CHECK(json->string() == nullptr && !json->text("error").empty());
    }
    const size_t consumed = head_end + 4 + r->body.size();
    if (consumed > answer.size()) break;
    answer.remove_prefix(consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Api api;
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  const std::string answer = exchange(api, request);
  const bool authorized = request.find(kToken) != std::string_view::npos;
  check_replies(answer, authorized);
  return 0;
}
