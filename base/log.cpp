#include "base/log.h"

#include <syslog.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace tern {
namespace {

// Log lines carry strings from the network (usernames, realms); a newline or escape in
// one must not forge or garble a line.
void append_escaped(std::string& out, std::string_view message) {
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
}

int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return LOG_DEBUG;
    case LogLevel::Info:
      return LOG_INFO;
    case LogLevel::Warning:
      return LOG_WARNING;
    case LogLevel::Error:
      return LOG_ERR;
  }
  return LOG_ERR;
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "DEBUG";
    case LogLevel::Info:
      return "INFO";
    case LogLevel::Warning:
      return "WARNING";
    case LogLevel::Error:
      return "ERROR";
  }
  return "ERROR";
}

std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                            std::string_view message) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::string line = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} ",
                                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                 utc.tm_min, utc.tm_sec, ms % 1000, log_level_name(level));
  append_escaped(line, message);
  line += '\n';
  return line;
}

Result<std::unique_ptr<Logger>, std::string> Logger::open(std::string_view target, LogLevel min) {
  if (target == "stdout") return std::make_unique<Logger>(Key{}, Target::Stdout, "", nullptr, min);
  if (target == "stderr") return std::make_unique<Logger>(Key{}, Target::Stderr, "", nullptr, min);
  if (target == "syslog") {
    // The ident must outlive the logger: openlog keeps the pointer.
    openlog("ternd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    return std::make_unique<Logger>(Key{}, Target::Syslog, "", nullptr, min);
  }
  if (target.empty()) return unexpected(std::string("log file: empty path"));
  std::string path(target);
  FilePtr file(std::fopen(path.c_str(), "ae"));  // "e": O_CLOEXEC, so children do not inherit it
  if (!file) return unexpected("cannot open log file " + path + ": " + std::strerror(errno));
  return std::make_unique<Logger>(Key{}, Target::File, std::move(path), std::move(file), min);
}

Logger::Logger(Key, Target target, std::string path, FilePtr file, LogLevel min)
    : target_(target), path_(std::move(path)), min_(min), file_(std::move(file)) {}

Logger::~Logger() {
  if (target_ == Target::Syslog) closelog();
}

std::FILE* Logger::stream() const {
  switch (target_) {
    case Target::Stdout:
      return stdout;
    case Target::Stderr:
      return stderr;
    case Target::File:
      return file_.get();
    case Target::Syslog:
      break;
  }
  return nullptr;
}

void Logger::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  auto line = format_log_line(std::chrono::system_clock::now(), level, message);
  std::lock_guard lock(mutex_);
  if (target_ == Target::Syslog) {
    std::string text;
    append_escaped(text, message);
    syslog(syslog_priority(level), "%s", text.c_str());  // never the message as the format
    return;
  }
  std::FILE* out = stream();
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void Logger::swap_target(Logger& other) {
  std::scoped_lock lock(mutex_, other.mutex_);
  std::swap(target_, other.target_);
  std::swap(path_, other.path_);
  std::swap(file_, other.file_);
}

void Logger::reopen() {
  if (target_ != Target::File) return;
  FilePtr fresh(std::fopen(path_.c_str(), "ae"));
  if (!fresh) {
    int saved = errno;
    error("cannot reopen log file {}: {}; still writing to the file opened before", path_,
          std::strerror(saved));
    return;
  }
  std::lock_guard lock(mutex_);
  file_ = std::move(fresh);
}

}  // namespace tern
