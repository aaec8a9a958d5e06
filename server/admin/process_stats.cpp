#include "server/admin/process_stats.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace tern {
namespace {

std::optional<std::string> slurp(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The `index`th space-separated field of `text` (0-based) as a number.
std::optional<uint64_t> field(std::string_view text, size_t index) {
  size_t pos = 0;
  for (size_t i = 0; i < index; ++i) {
    pos = text.find(' ', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), v);
  if (ec != std::errc{} || end == text.data() + pos) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ProcessStats> parse_process_stats(std::string_view stat, std::string_view statm,
                                                uint64_t btime, uint64_t page_size,
                                                uint64_t clock_ticks) {
  // The command name (field 2) is in parentheses and may hold spaces: count fields from
  // the last ')'. After it come state (field 3) ... utime (14), stime (15), starttime (22).
  const size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos || paren + 2 > stat.size() || clock_ticks == 0) {
    return std::nullopt;
  }
  const std::string_view rest = stat.substr(paren + 2);  // starts at field 3
  const auto utime = field(rest, 14 - 3);
  const auto stime = field(rest, 15 - 3);
  const auto start = field(rest, 22 - 3);
  const auto resident_pages = field(statm, 1);
  if (!utime || !stime || !start || !resident_pages) return std::nullopt;
  ProcessStats p;
  p.resident_memory_bytes = *resident_pages * page_size;
  p.cpu_seconds = static_cast<double>(*utime + *stime) / static_cast<double>(clock_ticks);
  p.start_time_seconds =
      static_cast<double>(btime) + static_cast<double>(*start) / static_cast<double>(clock_ticks);
  return p;
}

std::optional<uint64_t> parse_btime(std::string_view proc_stat) {
  constexpr std::string_view kKey = "\nbtime ";
  const size_t at = proc_stat.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  return field(proc_stat.substr(at + kKey.size()), 0);
}

std::optional<ProcessStats> read_process_stats() {
  const auto stat = slurp("/proc/self/stat");
  const auto statm = slurp("/proc/self/statm");
  const auto proc_stat = slurp("/proc/stat");
  if (!stat || !statm || !proc_stat) return std::nullopt;
  const auto btime = parse_btime(*proc_stat);
  const long page = ::sysconf(_SC_PAGESIZE);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (!btime || page <= 0 || ticks <= 0) return std::nullopt;
  auto p = parse_process_stats(*stat, *statm, *btime, static_cast<uint64_t>(page),
                               static_cast<uint64_t>(ticks));
  if (!p) return std::nullopt;
  std::error_code ec;
  uint64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  // The directory's own descriptor, open while it was listed, is not one of ternd's.
  p->open_fds = fds > 0 ? fds - 1 : 0;
  return p;
}

}  // namespace tern
