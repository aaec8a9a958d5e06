#include "server/admin/json_log_line.h"

#include <charconv>
#include <cstdint>

#include "base/json_writer.h"
#include "base/log_fields.h"

namespace tern {

std::string json_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                          std::string_view message) {
  const LogFields split = split_log_fields(message);
  JsonWriter w;
  w.begin_object()
      .field("ts", log_timestamp(when))
      .field("level", log_level_name(level))
      .field("msg", split.text);
  for (const auto& [key, value, quoted] : split.fields) {
    if (key == "ts" || key == "level" || key == "msg") {
      w.key("_" + std::string(key));
    } else {
      w.key(key);
    }
    int64_t n = 0;
    if (!quoted && log_value_is_number(value) &&
        std::from_chars(value.data(), value.data() + value.size(), n).ec == std::errc{}) {
      w.value(n);
    } else {
      w.value(value);
    }
  }
  w.end_object();
  std::string line = w.take();
  line += '\n';
  return line;
}

}  // namespace tern
