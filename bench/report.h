#pragma once
// A run's results as an ordered list of named values: printed for a person, or as one
// JSON object (flat, snake_case keys with units in the name) for run_bench.py.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/histogram.h"

namespace tern::bench {

class Report {
 public:
  void text(std::string key, std::string value);
  void number(std::string key, double value, int decimals = 0);
  // lat_p50_us, lat_p99_us, lat_p999_us, lat_max_us from a histogram of nanoseconds.
  void latency(const std::string& prefix, const Histogram& h);
  // Failures by STUN error code (or a word: "timeout").
  void count_error(const std::string& what, uint64_t n = 1) { errors_[what] += n; }
  void warn(std::string message) { warnings_.push_back(std::move(message)); }

  // For tests and callers that act on a result: the value of a field, parsed as a number.
  std::optional<double> number_of(const std::string& key) const;
  std::optional<std::string> text_of(const std::string& key) const;
  uint64_t failures(const std::string& what) const;
  uint64_t failures_total() const;

  std::string human() const;
  std::string json() const;

 private:
  struct Field {
    std::string key;
    std::string value;  // already formatted
    bool quoted;
  };
  std::vector<Field> fields_;
  std::map<std::string, uint64_t> errors_;
  std::vector<std::string> warnings_;
};

std::string json_escape(const std::string& s);

}  // namespace tern::bench
