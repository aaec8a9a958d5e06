#include "base/log_fields.h"

#include <algorithm>
#include <optional>

namespace tern {
namespace {

bool key_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

// The length of the key at the start of `s` when it is followed by '='; 0 otherwise.
size_t key_length(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && key_char(s[n], n == 0)) ++n;
  return n > 0 && n < s.size() && s[n] == '=' ? n : 0;
}

// A value at the start of `s`: "quoted" (log_quoted's escapes undone) or a bare word.
// Sets `used` to the characters read; nullopt when a quote is not closed.
std::optional<std::string> read_value(std::string_view s, size_t& used, bool& quoted) {
  std::string out;
  quoted = !s.empty() && s[0] == '"';
  if (!quoted) {
    used = s.find(' ');
    if (used == std::string_view::npos) used = s.size();
    return std::string(s.substr(0, used));
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[++i];
    } else if (s[i] == '"') {
      used = i + 1;
      return out;
    } else {
      out += s[i];
    }
  }
  return std::nullopt;
}

// The fields of `tail` (which starts with a key), or nullopt when any word is not one.
std::optional<std::vector<LogField>> read_fields(std::string_view tail) {
  std::vector<LogField> fields;
  while (!tail.empty()) {
    const size_t k = key_length(tail);
    if (k == 0) return std::nullopt;
    size_t used = 0;
    bool quoted = false;
    auto value = read_value(tail.substr(k + 1), used, quoted);
    if (!value) return std::nullopt;
    fields.push_back({tail.substr(0, k), std::move(*value), quoted});
    tail.remove_prefix(k + 1 + used);
    if (tail.empty()) break;
    if (tail[0] != ' ' || tail.size() == 1) return std::nullopt;
    tail.remove_prefix(1);
  }
  return fields;
}

}  // namespace

bool log_value_is_number(std::string_view value) {
  constexpr size_t kMaxDigits = 15;
  if (value.starts_with('-')) value.remove_prefix(1);
  if (value.empty() || value.size() > kMaxDigits) return false;
  if (value.size() > 1 && value[0] == '0') return false;
  return std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; });
}

LogFields split_log_fields(std::string_view message) {
  for (size_t i = 0; i < message.size(); ++i) {
    if ((i > 0 && message[i - 1] != ' ') || key_length(message.substr(i)) == 0) continue;
    auto fields = read_fields(message.substr(i));
    if (!fields) break;
    std::string_view text = message.substr(0, i);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return {text, std::move(*fields)};
  }
  return {message, {}};
}

}  // namespace tern
