#include "base/log.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/file_descriptor.h"

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

// Why no syslog daemon takes lines at `path` (trying a datagram socket, then a stream one,
// as openlog(3) does); empty when one does.
std::string syslog_unreachable(std::string_view path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return "not a socket path";
  path.copy(addr.sun_path, path.size());
  int error = 0;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    FileDescriptor fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return std::strerror(errno);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return "";
    error = errno;
  }
  return std::strerror(error);
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "debug") return LogLevel::Debug;
  if (lower == "info") return LogLevel::Info;
  if (lower == "warning" || lower == "warn") return LogLevel::Warning;
  if (lower == "error") return LogLevel::Error;
  return std::nullopt;
}

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

std::string log_timestamp(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
}

std::string format_log_line(std::chrono::system_clock::time_point when, LogLevel level,
                            std::string_view message) {
  std::string line = log_timestamp(when);
  line += ' ';
  line += log_level_name(level);
  line += ' ';
  append_escaped(line, message);
  line += '\n';
  return line;
}

Result<std::unique_ptr<Logger>, std::string> Logger::open(std::string_view target,
                                                          const LogOptions& options) {
  const auto& o = options;
  if (target == "stdout") return std::make_unique<Logger>(Key{}, Target::Stdout, "", nullptr, o);
  if (target == "stderr") return std::make_unique<Logger>(Key{}, Target::Stderr, "", nullptr, o);
  if (target == "syslog") {
    if (auto why = syslog_unreachable(o.syslog_socket); !why.empty()) {
      auto log = std::make_unique<Logger>(Key{}, Target::Stderr, "", nullptr, o);
      log->write(LogLevel::Warning,
                 fmt::format("syslog: no syslog daemon at {} ({}); logging to stderr instead",
                             o.syslog_socket, why));
      return log;
    }
    // The ident must outlive the logger: openlog keeps the pointer.
    openlog("ternd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    return std::make_unique<Logger>(Key{}, Target::Syslog, "", nullptr, o);
  }
  if (target.empty()) return unexpected(std::string("log file: empty path"));
  std::string path(target);
  FilePtr file(std::fopen(path.c_str(), "ae"));  // "e": O_CLOEXEC, so children do not inherit it
  if (!file) return unexpected("cannot open log file " + path + ": " + std::strerror(errno));
  return std::make_unique<Logger>(Key{}, Target::File, std::move(path), std::move(file), o);
}

Logger::Logger(Key, Target target, std::string path, FilePtr file, const LogOptions& options)
    : target_(target),
      path_(std::move(path)),
      min_(options.min),
      formatter_(options.formatter),
      file_(std::move(file)) {}

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
  auto line = formatter_(std::chrono::system_clock::now(), level, message);
  std::lock_guard lock(mutex_);
  if (target_ == Target::Syslog) {
    // syslog stamps the time and priority itself: the message alone, unless it is JSON.
    std::string text;
    if (formatter_ == format_log_line) {
      append_escaped(text, message);
    } else {
      text = line.substr(0, line.size() - 1);
    }
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
