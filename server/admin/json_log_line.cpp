#include "server/admin/json_log_line.h"

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
  for (const auto& [key, value] : split.fields) {
    if (key == "ts" || key == "level" || key == "msg") {
      w.field("_" + std::string(key), value);
    } else {
      w.field(key, value);
    }
  }
  w.end_object();
  std::string line = w.take();
  line += '\n';
  return line;
}

}  // namespace tern
