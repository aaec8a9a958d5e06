#pragma once
// --log-format json: each log line as one JSON object, for log shippers (Loki, Vector,
// Elasticsearch): {"ts":"2026-11-25T00:12:03.123Z","level":"INFO","msg":"allocation
// created","session":"...","user":"carol","lifetime":600,...}. The key=value fields of an
// event line become members: a bare integer (a port, a count, bytes, seconds) as a JSON
// number, everything else as a string: a quoted value (what a client chose, a username
// "42"), and a session id (18 digits with leading zeros, more than a double holds; see
// log_value_is_number). A field named like ts, level or msg is written with a leading
// underscore.

#include <chrono>
#include <string>
#include <string_view>

#include "base/log.h"

namespace tern {

// A LineFormatter (base/log.h): the object and a newline.
std::string json_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                          std::string_view message);

}  // namespace tern
