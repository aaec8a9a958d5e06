#include "bench/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tern::bench {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> parse_stat_cpu_us(std::string_view line, long ticks_per_second) {
  const size_t paren = line.rfind(')');
  if (paren == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  // After ')': field 3 (state) onwards; utime is field 14 and stime field 15.
  std::string_view rest = line.substr(paren + 1);
  int field = 2;
  int64_t utime = -1, stime = -1;
  while (!rest.empty() && field < 15) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end);
    if (token.empty()) break;
    ++field;
    if (field == 14) utime = to_int(token).value_or(-1);
    if (field == 15) stime = to_int(token).value_or(-1);
  }
  if (utime < 0 || stime < 0) return std::nullopt;
  return (utime + stime) * 1'000'000 / ticks_per_second;
}

std::optional<int64_t> parse_status_kb(std::string_view status, std::string_view name) {
  size_t pos = 0;
  while (pos < status.size()) {
    const size_t end = std::min(status.find('\n', pos), status.size());
    std::string_view line = status.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
        line[name.size()] != ':') {
      continue;
    }
    line.remove_prefix(name.size() + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    const size_t space = std::min(line.find(' '), line.size());
    return to_int(line.substr(0, space));
  }
  return std::nullopt;
}

// Nanoseconds on CPU summed over the threads' schedstat: /proc/PID/stat counts in clock
// ticks (10 ms), too coarse for a run of a few hundred milliseconds.
std::optional<int64_t> schedstat_cpu_us(const std::string& dir) {
  std::error_code ec;
  int64_t ns = 0;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec)) {
    const auto line = read_file(task.path().string() + "/schedstat");
    if (!line) continue;
    const auto first = to_int(std::string_view(*line).substr(0, line->find(' ')));
    if (!first) continue;
    ns += *first;
    any = true;
  }
  if (ec || !any) return std::nullopt;
  return ns / 1000;
}

std::optional<ProcessSample> sample_process(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  const auto stat = read_file(dir + "/stat");
  const auto status = read_file(dir + "/status");
  if (!stat || !status) return std::nullopt;
  auto cpu = schedstat_cpu_us(dir);
  if (!cpu) cpu = parse_stat_cpu_us(*stat, sysconf(_SC_CLK_TCK));
  if (!cpu) return std::nullopt;
  return ProcessSample{.cpu_us = *cpu,
                       .rss_kb = parse_status_kb(*status, "VmRSS").value_or(0),
                       .hwm_kb = parse_status_kb(*status, "VmHWM").value_or(0)};
}

int64_t self_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return int64_t{t.tv_sec} * 1'000'000 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

}  // namespace tern::bench
