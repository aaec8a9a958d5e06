#include "bench/report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tern::bench {

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void Report::text(std::string key, std::string value) {
  fields_.push_back({std::move(key), std::move(value), true});
}

void Report::number(std::string key, double value, int decimals) {
  if (!std::isfinite(value)) value = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  fields_.push_back({std::move(key), buf, false});
}

void Report::latency(const std::string& prefix, const Histogram& h) {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  number(prefix + "_p50_us", us(h.percentile(0.50)), 1);
  number(prefix + "_p99_us", us(h.percentile(0.99)), 1);
  number(prefix + "_p999_us", us(h.percentile(0.999)), 1);
  number(prefix + "_max_us", us(h.max()), 1);
}

std::optional<std::string> Report::text_of(const std::string& key) const {
  for (const auto& f : fields_) {
    if (f.key == key) return f.value;
  }
  return std::nullopt;
}

std::optional<double> Report::number_of(const std::string& key) const {
  const auto v = text_of(key);
  if (!v) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (end == v->c_str() || *end != '\0') return std::nullopt;
  return d;
}

uint64_t Report::failures(const std::string& what) const {
  const auto it = errors_.find(what);
  return it == errors_.end() ? 0 : it->second;
}

uint64_t Report::failures_total() const {
  uint64_t n = 0;
  for (const auto& [what, count] : errors_) n += count;
  return n;
}

std::string Report::human() const {
  size_t width = 0;
  for (const auto& f : fields_) width = std::max(width, f.key.size());
  std::string out;
  for (const auto& f : fields_) {
    out += f.key;
    out.append(width + 2 - f.key.size(), ' ');
    out += f.value;
    out += '\n';
  }
  for (const auto& [what, n] : errors_) {
    out += "failures " + what + ": " + std::to_string(n) + "\n";
  }
  for (const auto& w : warnings_) out += "warning: " + w + "\n";
  return out;
}

std::string Report::json() const {
  std::string out = "{";
  bool first = true;
  for (const auto& f : fields_) {
    if (!first) out += ",";
    first = false;
    out += "\"" + json_escape(f.key) + "\":";
    out += f.quoted ? "\"" + json_escape(f.value) + "\"" : f.value;
  }
  out += std::string(first ? "" : ",") + "\"failures\":{";
  first = true;
  for (const auto& [what, n] : errors_) {
    if (!first) out += ",";
    first = false;
    out += "\"" + json_escape(what) + "\":" + std::to_string(n);
  }
  out += "},\"warnings\":[";
  first = true;
  for (const auto& w : warnings_) {
    if (!first) out += ",";
    first = false;
    out += "\"" + json_escape(w) + "\"";
  }
  out += "]}\n";
  return out;
}

}  // namespace tern::bench
