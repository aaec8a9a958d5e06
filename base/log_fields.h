#pragma once
// Values of the key=value fields in event log lines (allocation created, authentication
// failed, ...). What a client chose (a username, a realm) is quoted and clipped, so a
// space or a quote in it cannot forge another field and a 513-byte USERNAME cannot make
// a line long; control characters are escaped by format_log_line.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

// A message cut into its words and its key=value fields, as --log-format json writes it:
// "allocation created session=1 user=\"a b\"" is text "allocation created" and fields
// session=1, user=a b (unquoted). The fields are what follows the first word shaped
// key=value; a message whose tail is not all key=value words is text alone, whole, so
// nothing of a line is ever lost.
struct LogField {
  std::string_view key;
  std::string value;
  // Written "quoted": what a client chose (a username), text even when it is all digits.
  bool quoted = false;
};
struct LogFields {
  std::string_view text;
  std::vector<LogField> fields;
};

// Whether a bare (unquoted) value is a count, port, byte total or duration to write as a
// JSON number: an integer without leading zeros (so "001000000000000017", a session id,
// stays text) of at most 15 digits, which a double (what most JSON readers use) holds
// exactly. Anything else, "60s" or "127.0.0.1:3478", is text.
bool log_value_is_number(std::string_view value);
LogFields split_log_fields(std::string_view message);

}  // namespace tern
