// The JSON on both sides of the admin API, and ternctl's reading of an HTTP reply:
// base/json_value (the strict reader ternctl uses), base/json_writer (the writer, which
// carries client-chosen usernames) and admin/http_client's response parser. Checks: the
// reader never accepts more depth than it promises; what the writer writes the reader
// reads back (strings exactly, when they are UTF-8); writing what was read is stable
// after two passes; a reply parses to a status of three digits and a body inside it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "admin/http_client.h"
#include "base/json_value.h"
#include "base/json_writer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using tern::JsonValue;
using tern::JsonWriter;

constexpr int kMaxDepth = 32;  // json_value.cpp's bound

int depth(const JsonValue& v) {
  int deepest = 0;
  if (const auto* a = v.array()) {
    for (const auto& e : *a) deepest = std::max(deepest, depth(e));
    return deepest + 1;
  }
  if (const auto* o = v.object()) {
    for (const auto& [k, e] : *o) deepest = std::max(deepest, depth(e));
    return deepest + 1;
  }
  return 0;
}

// Numbers become tagged strings: the writer has no way to pass number text through.
void write(JsonWriter& w, const JsonValue& v) {
  if (const auto* a = v.array()) {
    w.begin_array();
    for (const auto& e : *a) write(w, e);
    w.end_array();
  } else if (const auto* o = v.object()) {
    w.begin_object();
    for (const auto& [k, e] : *o) {
      w.key(k);
      write(w, e);
    }
    w.end_object();
  } else if (const auto* s = v.string()) {
    w.value(*s);
  } else if (const auto* b = std::get_if<bool>(&v.v)) {
    w.value(*b);
  } else if (std::holds_alternative<JsonValue::Number>(v.v)) {
    w.value("#" + v.number_text());
  } else {
    w.begin_array().end_array();  // null: the writer has none either
  }
}

std::string rewrite(const JsonValue& v) {
  JsonWriter w;
  write(w, v);
  return w.take();
}

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      n = 1, cp = c;
    } else if ((c >> 5) == 0x6) {
      n = 2, cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      n = 3, cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      n = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

void check_reader(std::string_view text) {
  const auto v = JsonValue::parse(text);
  if (!v) return;
  TERN_FUZZ_CHECK(depth(*v) <= kMaxDepth + 1);
  // Every accessor answers on any value.
  (void)v->text("user");
  (void)v->integer("created");
  (void)v->unsigned_integer("bytes");
  (void)v->number_text();
  // The first pass turns bytes that are not UTF-8 into "\ufffd", which reads back as
  // U+FFFD and is then written as itself: from the second pass on, nothing changes.
  const std::string once = rewrite(*v);
  const auto reread = JsonValue::parse(once);
  TERN_FUZZ_CHECK(reread.has_value());
  const std::string twice = rewrite(*reread);
  const auto third = JsonValue::parse(twice);
  TERN_FUZZ_CHECK(third.has_value() && rewrite(*third) == twice);
}

void check_writer(std::string_view text) {
  // A hostile USERNAME as a key and a value, next to numbers at their limits.
  JsonWriter w;
  w.begin_object()
      .field(text, text)
      .field("n", static_cast<int64_t>(INT64_MIN))
      .field("u", static_cast<uint64_t>(UINT64_MAX))
      .key("list")
      .begin_array()
      .value(text)
      .value(true)
      .end_array()
      .end_object();
  const auto v = JsonValue::parse(w.text());
  TERN_FUZZ_CHECK(v.has_value() && v->object() && v->object()->size() == 4);
  if (text != "n" && text != "u") {  // else the first member of that name is the string
    TERN_FUZZ_CHECK(v->integer("n") == INT64_MIN && v->unsigned_integer("u") == UINT64_MAX);
  }
  const std::string read_back = (*v->object())[0].first;
  if (is_utf8(text)) {
    TERN_FUZZ_CHECK(read_back == text && v->text(text) == text);
  } else {
    TERN_FUZZ_CHECK(is_utf8(read_back));
  }
}

void check_http_response(std::string_view raw) {
  const auto r = tern::admin::parse_http_response(raw);
  if (!r) return;
  TERN_FUZZ_CHECK(r->status >= 100 && r->status <= 999);
  TERN_FUZZ_CHECK(r->body.size() <= raw.size());
  TERN_FUZZ_CHECK(raw.find(r->body) != std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_reader(text);
  check_writer(text);
  check_http_response(text);
  return 0;
}
