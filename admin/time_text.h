#pragma once
// Times and durations as ternctl prints them for people.

#include <cstdint>
#include <string>

namespace tern::admin {

// "2026-11-25T00:12:03Z"; "-" for 0 (a time nobody recorded).
std::string utc_time(int64_t unix_seconds);

// "45s", "9m05s", "2h03m", "3d04h": short enough for a table column.
std::string duration(int64_t seconds);

// "512B", "1.5KiB", "12.0MiB": byte counts for a table column.
std::string bytes(uint64_t n);

}  // namespace tern::admin
