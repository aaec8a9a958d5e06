#pragma once
// Reading JSON: what ternd's admin API answers, for ternctl to print as a table, and what
// tests read back. Strict (RFC 8259) and bounded in depth; numbers keep their text so
// 64-bit counters stay exact. The writer is json_writer.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tern {

struct JsonValue {
  struct Number {
    std::string text;
  };
  using Array = std::vector<JsonValue>;
  // A struct rather than std::pair: a pair of an incomplete JsonValue inside the variant
  // below compiles with g++ but not with clang (which builds the fuzzers).
  struct Member;
  using Object = std::vector<Member>;  // in document order
  std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> v;

  // The value exactly when `text` is one JSON value (whitespace around it allowed).
  static std::optional<JsonValue> parse(std::string_view text);

  const Array* array() const { return std::get_if<Array>(&v); }
  const Object* object() const { return std::get_if<Object>(&v); }
  const std::string* string() const { return std::get_if<std::string>(&v); }
  // nullptr when this is not an object or has no such member.
  const JsonValue* member(std::string_view key) const;

  // Convenience for printing: "" / 0 when the member is missing or of another type.
  std::string text(std::string_view key) const;
  int64_t integer(std::string_view key) const;
  uint64_t unsigned_integer(std::string_view key) const;
  bool boolean(std::string_view key) const;  // false when missing or not a boolean
  // The number's text as sent, or "" when this is not a number.
  std::string number_text() const;
};

struct JsonValue::Member {
  std::string first;
  JsonValue second;
};

}  // namespace tern
