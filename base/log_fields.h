#pragma once
// Values of the key=value fields in event log lines (allocation created, authentication
// failed, ...). What a client chose (a username, a realm) is quoted and clipped, so a
// space or a quote in it cannot forge another field and a 513-byte USERNAME cannot make
// a line long; control characters are escaped by format_log_line.

#include <cstddef>
#include <string>
#include <string_view>

namespace tern {

inline constexpr size_t kMaxLoggedChars = 64;

// "value": `"` and `\` escaped with a backslash, at most kMaxLoggedChars of `s`.
inline std::string log_quoted(std::string_view s) {
  s = s.substr(0, kMaxLoggedChars);
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace tern
