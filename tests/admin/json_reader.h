#pragma once
// Just enough of a JSON reader to prove ternctl's --json output parses, and to look inside
// it. Strict: anything RFC 8259 does not allow is a failure, not a guess.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tern::admin_test {

struct JsonValue {
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v;

  const Array* array() const { return std::get_if<Array>(&v); }
  const std::string* string() const { return std::get_if<std::string>(&v); }
  const JsonValue* member(std::string_view key) const {
    const auto* o = std::get_if<Object>(&v);
    if (o == nullptr) return nullptr;
    for (const auto& [k, value] : *o) {
      if (k == key) return &value;
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  // The value, when `text` is exactly one JSON value (surrounding whitespace allowed).
  static std::optional<JsonValue> parse(std::string_view text) {
    JsonReader r(text);
    auto v = r.value();
    r.skip_space();
    if (!v || r.pos_ != text.size()) return std::nullopt;
    return v;
  }

 private:
  explicit JsonReader(std::string_view s) : s_(s) {}

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<JsonValue> value() {
    skip_space();
    if (pos_ >= s_.size()) return std::nullopt;
    const char c = s_[pos_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') {
      auto s = string();
      if (!s) return std::nullopt;
      return JsonValue{*s};
    }
    if (literal("true")) return JsonValue{true};
    if (literal("false")) return JsonValue{false};
    if (literal("null")) return JsonValue{nullptr};
    return number();
  }

  std::optional<JsonValue> number() {
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    if (start == pos_) return std::nullopt;
    try {
      return JsonValue{std::stod(std::string(s_.substr(start, pos_ - start)))};
    } catch (...) {
      return std::nullopt;
    }
  }

  std::optional<std::string> string() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return out;
      if (c < 0x20) return std::nullopt;
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= s_.size()) return std::nullopt;
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return std::nullopt;
          uint32_t cp = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = s_[pos_++];
            const int d = h >= '0' && h <= '9'   ? h - '0'
                          : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                 : -1;
            if (d < 0) return std::nullopt;
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          append_utf8(out, cp);  // surrogate pairs are not needed by these tests
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::optional<JsonValue> array() {
    eat('[');
    JsonValue::Array items;
    if (eat(']')) return JsonValue{std::move(items)};
    do {
      auto v = value();
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
    } while (eat(','));
    if (!eat(']')) return std::nullopt;
    return JsonValue{std::move(items)};
  }

  std::optional<JsonValue> object() {
    eat('{');
    JsonValue::Object members;
    if (eat('}')) return JsonValue{std::move(members)};
    do {
      skip_space();
      auto key = string();
      if (!key || !eat(':')) return std::nullopt;
      auto v = value();
      if (!v) return std::nullopt;
      members.emplace_back(std::move(*key), std::move(*v));
    } while (eat(','));
    if (!eat('}')) return std::nullopt;
    return JsonValue{std::move(members)};
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace tern::admin_test
