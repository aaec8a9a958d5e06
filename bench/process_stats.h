#pragma once
// CPU time and memory of the server under test (/proc/PID) and of tern-bench itself
// (getrusage), so every result says what it cost and whether the load generator, not the
// server, was the limit.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern::bench {

struct ProcessSample {
  int64_t cpu_us = 0;  // on CPU, all threads (schedstat; else utime + stime)
  int64_t rss_kb = 0;  // VmRSS
  int64_t hwm_kb = 0;  // VmHWM: the peak RSS
};

// Parses the utime and stime fields of a /proc/PID/stat line (the command name may hold
// spaces and parentheses, so fields count from the last ')'). Microseconds; nullopt when
// the line is not one.
std::optional<int64_t> parse_stat_cpu_us(std::string_view stat_line, long ticks_per_second);
// The value in kB of a "Name:   1234 kB" line of /proc/PID/status.
std::optional<int64_t> parse_status_kb(std::string_view status, std::string_view name);

std::optional<ProcessSample> sample_process(pid_t pid);
// This process: CPU of all its threads (getrusage RUSAGE_SELF).
int64_t self_cpu_us();

}  // namespace tern::bench
