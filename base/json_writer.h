#pragma once
// The JSON tern writes: ternd's admin API and fleet heartbeats, ternctl's --json output.
// Usernames come from clients and rows from hand-edited stores, so every string is escaped
// and bytes that are not UTF-8 become U+FFFD: a hostile USERNAME never breaks a reply or
// forges a field. The reader is json_value.h.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

// `s` as a quoted JSON string. Quotes, backslashes and control characters are escaped;
// each byte that is not part of well-formed UTF-8 becomes U+FFFD, since JSON text must
// be UTF-8 (so a hostile name never breaks a reply or forges a field).
std::string json_quote(std::string_view s);

// Builds one JSON text; commas and colons are placed by the writer, so callers only say
// what comes next.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(uint64_t n);
  JsonWriter& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  // A number as the text it was read with (JsonValue::number_text), so a value passed
  // through keeps its digits; `text` must be a JSON number.
  JsonWriter& number_text(std::string_view text);
  // key(name).value(v)
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // a comma before every element but a container's first

  std::string out_;
  std::vector<bool> first_;  // one per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace tern
