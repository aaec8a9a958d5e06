#pragma once
// ternd's log. There is no global logger: main owns one and hands out references. Writes
// take a mutex, which is fine because nothing on the per-packet path logs.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.h"

namespace tern {

enum class LogLevel { Debug, Info, Warning, Error };

std::string_view log_level_name(LogLevel level);  // "DEBUG", "INFO", "WARNING", "ERROR"
// "debug", "info", "warning" (or "warn"), "error", any case; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
// The timestamp of a line: "2026-11-25T00:12:03.123Z" (UTC, milliseconds).
std::string log_timestamp(std::chrono::system_clock::time_point when);

// "2026-11-25T00:12:03.123Z INFO message\n": UTC, milliseconds. Control characters in the
// message (a username with a newline, say) are written as \xNN so one call is one line.
std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                            std::string_view message);

// What a line looks like: format_log_line, or --log-format json's formatter (made above
// base, which knows no JSON). Returns the whole line with its newline.
using LineFormatter = std::string (*)(std::chrono::system_clock::time_point when, LogLevel level,
                                      std::string_view message);

struct LogOptions {
  LogLevel min = LogLevel::Info;
  LineFormatter formatter = format_log_line;
  // Where the syslog daemon listens (a test names a socket that is not there).
  std::string_view syslog_socket = "/dev/log";
};

class Logger {
 public:
  // "stdout", "stderr", "syslog", or a file path opened for appending. "syslog" with no
  // daemon listening on the syslog socket (a container, a minimal host) would drop every
  // line without a word: the logger writes to stderr instead and says so there once.
  static Result<std::unique_ptr<Logger>, std::string> open(std::string_view target,
                                                           const LogOptions& options);
  static Result<std::unique_ptr<Logger>, std::string> open(std::string_view target, LogLevel min) {
    return open(target, LogOptions{.min = min});
  }
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  template <typename... A>
  void debug(fmt::format_string<A...> format, A&&... args) {
    log(LogLevel::Debug, format, std::forward<A>(args)...);
  }
  template <typename... A>
  void info(fmt::format_string<A...> format, A&&... args) {
    log(LogLevel::Info, format, std::forward<A>(args)...);
  }
  template <typename... A>
  void warning(fmt::format_string<A...> format, A&&... args) {
    log(LogLevel::Warning, format, std::forward<A>(args)...);
  }
  template <typename... A>
  void error(fmt::format_string<A...> format, A&&... args) {
    log(LogLevel::Error, format, std::forward<A>(args)...);
  }

  void write(LogLevel level, std::string_view message);
  // For SIGHUP after logrotate moved the file: opens the path again. If that fails, logging
  // goes on to the old file and says so there.
  void reopen();
  // A reload's new log-file: `other`, opened with open() before anything changed, takes
  // this one's target and this one its. Lines written meanwhile by other threads go to
  // one target or the other, whole. Main thread only (the one that reopens).
  void swap_target(Logger& other);
  void set_level(LogLevel level) { min_.store(level, std::memory_order_relaxed); }
  LogLevel level() const { return min_.load(std::memory_order_relaxed); }
  bool enabled(LogLevel level) const { return level >= min_.load(std::memory_order_relaxed); }

 private:
  enum class Target { Stdout, Stderr, Syslog, File };
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
  struct Key {  // lets make_unique call the constructor while only open() can
    explicit Key() = default;
  };

 public:
  Logger(Key, Target target, std::string path, FilePtr file, const LogOptions& options);

 private:
  std::FILE* stream() const;

  template <typename... A>
  void log(LogLevel level, fmt::format_string<A...> format, A&&... args) {
    if (enabled(level)) write(level, fmt::format(format, std::forward<A>(args)...));
  }

  Target target_;     // guarded by mutex_; written only by swap_target (main thread)
  std::string path_;  // likewise
  std::atomic<LogLevel> min_;
  const LineFormatter formatter_;
  std::mutex mutex_;
  FilePtr file_;  // guarded by mutex_; only for Target::File
};

}  // namespace tern
