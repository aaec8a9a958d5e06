#pragma once
// The standard process_* metrics of Prometheus' client libraries, read from /proc at
// scrape time (nothing is kept between scrapes).

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern {

struct ProcessStats {
  uint64_t resident_memory_bytes = 0;
  uint64_t open_fds = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
};

// This process' numbers; nullopt when /proc cannot be read (e.g. not mounted).
std::optional<ProcessStats> read_process_stats();

// The parsing, apart for tests. `stat` is /proc/self/stat, `statm` /proc/self/statm and
// `btime` the boot time in seconds since the epoch (/proc/stat's btime line); nullopt when
// a text is malformed.
std::optional<ProcessStats> parse_process_stats(std::string_view stat, std::string_view statm,
                                                uint64_t btime, uint64_t page_size,
                                                uint64_t clock_ticks);
std::optional<uint64_t> parse_btime(std::string_view proc_stat);

}  // namespace tern
