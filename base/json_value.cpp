#include "base/json_value.h"

#include <charconv>

namespace tern {
namespace {

constexpr int kMaxDepth = 32;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::optional<JsonValue> document() {
    auto v = value(0);
    skip_space();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
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

  std::optional<JsonValue> value(int depth) {
    skip_space();
    if (pos_ >= s_.size() || depth > kMaxDepth) return std::nullopt;
    const char c = s_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      auto s = string();
      if (!s) return std::nullopt;
      return JsonValue{std::move(*s)};
    }
    if (literal("true")) return JsonValue{true};
    if (literal("false")) return JsonValue{false};
    if (literal("null")) return JsonValue{nullptr};
    return number();
  }

  // RFC 8259 §6: -? int frac? exp?
  std::optional<JsonValue> number() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return std::nullopt;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return std::nullopt;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return std::nullopt;
    }
    return JsonValue{JsonValue::Number{std::string(s_.substr(start, pos_ - start))}};
  }

  std::optional<uint32_t> hex4() {
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
    return cp;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::optional<uint32_t> escaped_code_point() {
    auto cp = hex4();
    if (!cp) return std::nullopt;
    if (*cp < 0xD800 || *cp > 0xDFFF) return cp;
    // A lone or reversed surrogate becomes U+FFFD rather than invalid UTF-8.
    if (*cp > 0xDBFF || !literal("\\u")) return 0xFFFD;
    auto low = hex4();
    if (!low) return std::nullopt;
    if (*low < 0xDC00 || *low > 0xDFFF) return 0xFFFD;
    return 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
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
      switch (const char e = s_[pos_++]) {
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
          auto cp = escaped_code_point();
          if (!cp) return std::nullopt;
          append_utf8(out, *cp);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<JsonValue> array(int depth) {
    eat('[');
    JsonValue::Array items;
    if (eat(']')) return JsonValue{std::move(items)};
    do {
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
    } while (eat(','));
    if (!eat(']')) return std::nullopt;
    return JsonValue{std::move(items)};
  }

  std::optional<JsonValue> object(int depth) {
    eat('{');
    JsonValue::Object members;
    if (eat('}')) return JsonValue{std::move(members)};
    do {
      skip_space();
      auto key = string();
      if (!key || !eat(':')) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      members.push_back({std::move(*key), std::move(*v)});
    } while (eat(','));
    if (!eat('}')) return std::nullopt;
    return JsonValue{std::move(members)};
  }

  std::string_view s_;
  size_t pos_ = 0;
};

template <typename T>
T parse_integer(const JsonValue* v) {
  if (v == nullptr) return 0;
  const auto* n = std::get_if<JsonValue::Number>(&v->v);
  if (n == nullptr) return 0;
  T out = 0;
  auto [end, ec] = std::from_chars(n->text.data(), n->text.data() + n->text.size(), out);
  return ec == std::errc() && end == n->text.data() + n->text.size() ? out : 0;
}

}  // namespace

std::optional<JsonValue> JsonValue::parse(std::string_view text) {
  return Reader(text).document();
}

const JsonValue* JsonValue::member(std::string_view key) const {
  const auto* o = object();
  if (o == nullptr) return nullptr;
  for (const auto& [k, value] : *o) {
    if (k == key) return &value;
  }
  return nullptr;
}

std::string JsonValue::text(std::string_view key) const {
  const JsonValue* m = member(key);
  const std::string* s = m ? m->string() : nullptr;
  return s ? *s : std::string();
}

int64_t JsonValue::integer(std::string_view key) const {
  return parse_integer<int64_t>(member(key));
}

uint64_t JsonValue::unsigned_integer(std::string_view key) const {
  return parse_integer<uint64_t>(member(key));
}

bool JsonValue::boolean(std::string_view key) const {
  const JsonValue* m = member(key);
  const bool* b = m ? std::get_if<bool>(&m->v) : nullptr;
  return b != nullptr && *b;
}

std::string JsonValue::number_text() const {
  const auto* n = std::get_if<Number>(&v);
  return n ? n->text : std::string();
}

}  // namespace tern
