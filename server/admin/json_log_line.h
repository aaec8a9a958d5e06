#pragma once
// --log-format json: each log line as one JSON object, for log shippers (Loki, Vector,
// Elasticsearch): {"ts":"2026-11-25T00:12:03.123Z","level":"INFO","msg":"allocation
// created","session":"...","user":"carol",...}. The key=value fields of an event line
// become members, as strings (a session id is 18 digits, more than a double holds); a
// field named like ts, level or msg is written with a leading underscore.

#include <chrono>
#include <string>
#include <string_view>

#include "base/log.h"

namespace tern {

// A LineFormatter (base/log.h): the object and a newline.
std::string json_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                          std::string_view message);

}  // namespace tern
