#pragma once
// The HTTP side shared by the admin API and /metrics: an evhttp bound to "IP:port" or a
// unix socket path, and replies.

#include <event2/http.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "protocol/result.h"

namespace tern {

using EvHttpPtr = std::unique_ptr<evhttp, Deleter<evhttp_free>>;

// An evhttp on `base` listening on `listen`: "IP:port", "[IPv6]:port", or a path (starting
// with '/') for a unix socket, made mode 0600 after removing a stale socket there. The
// error names the address and the reason.
Result<EvHttpPtr, std::string> open_http(event_base* base, const std::string& listen);
// open_http in two steps, for a reload that binds on the main thread before it changes
// anything and serves on the admin thread: the listening socket, then its evhttp.
Result<FileDescriptor, std::string> bind_http(const std::string& listen);
Result<EvHttpPtr, std::string> serve_http(event_base* base, FileDescriptor fd,
                                          const std::string& listen);
// Closes `http`'s listening sockets; the connections it accepted go on.
void stop_listening(evhttp* http);

// Whether `listen` is a loopback address or a unix socket: anything else exposes the
// endpoint to the network, which the log should say.
bool is_local_only(const std::string& listen);

void reply(evhttp_request* req, int code, std::string_view content_type, std::string_view body);
void reply_json(evhttp_request* req, int code, std::string_view body);
// {"error": message}
void reply_error(evhttp_request* req, int code, std::string_view message);

}  // namespace tern
