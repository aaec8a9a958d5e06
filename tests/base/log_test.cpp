#include "base/log.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"

namespace tern {
namespace {

namespace fs = std::filesystem;

// A directory for one test's log files, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("tern-log-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::unique_ptr<Logger> open_or_fail(const std::string& target, LogLevel min) {
  auto r = Logger::open(target, min);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? std::move(*r) : nullptr;
}

const std::regex kLine(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) .*)");

TEST(LogLine, Format_IsIsoUtcWithMillisecondsThenLevel) {
  using namespace std::chrono;
  auto when = sys_days{year{2026} / 11 / 25} + 12min + 3s + 123ms;
  EXPECT_EQ(format_log_line(when, LogLevel::Info, "listening on 0.0.0.0:3478"),
            "2026-11-25T00:12:03.123Z INFO listening on 0.0.0.0:3478\n");
  EXPECT_EQ(format_log_line(sys_days{year{1999} / 1 / 2} + 23h + 59min + 59s + 7ms,
                            LogLevel::Warning, "w"),
            "1999-01-02T23:59:59.007Z WARNING w\n");
}

TEST(LogLine, ControlCharacters_AreEscapedSoOneCallIsOneLine) {
  using namespace std::chrono;
  auto line = format_log_line(sys_days{year{2026} / 1 / 1}, LogLevel::Error,
                              "user \"eve\nX INFO forged\" \x1b[31m\x7f");
  EXPECT_EQ(line, "2026-01-01T00:00:00.000Z ERROR user \"eve\\x0aX INFO forged\" \\x1b[31m\\x7f\n");
}

TEST(LogLevelName, NamesEveryLevel) {
  EXPECT_EQ(log_level_name(LogLevel::Debug), "DEBUG");
  EXPECT_EQ(log_level_name(LogLevel::Info), "INFO");
  EXPECT_EQ(log_level_name(LogLevel::Warning), "WARNING");
  EXPECT_EQ(log_level_name(LogLevel::Error), "ERROR");
}

TEST(Logger, FileTarget_GetsTimestampedLinesWithLevels) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Debug);
  ASSERT_TRUE(log);
  log->debug("relay port {} for {}", 49152, "alice");
  log->info("started");
  log->warning("redis {} lost", "127.0.0.1:6379");
  log->error("{}", "stopped");
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& line : lines) EXPECT_TRUE(std::regex_match(line, kLine)) << line;
  EXPECT_TRUE(lines[0].ends_with(" DEBUG relay port 49152 for alice"));
  EXPECT_TRUE(lines[1].ends_with(" INFO started"));
  EXPECT_TRUE(lines[2].ends_with(" WARNING redis 127.0.0.1:6379 lost"));
  EXPECT_TRUE(lines[3].ends_with(" ERROR stopped"));
}

// A reload's new log-file: the logger everyone holds writes to the new file from then on,
// and the old file is let go with the other logger.
TEST(Logger, SwapTarget_LaterLinesGoToTheNewFile) {
  TempDir dir;
  auto old_path = dir.file("old.log");
  auto new_path = dir.file("new.log");
  auto log = open_or_fail(old_path, LogLevel::Info);
  auto fresh = open_or_fail(new_path, LogLevel::Info);
  ASSERT_TRUE(log && fresh);
  log->info("before");
  log->swap_target(*fresh);
  log->info("after");
  fresh.reset();
  log->reopen();  // reopens the new path, not the old one
  log->info("reopened");
  const auto old_lines = lines_of(old_path);
  ASSERT_EQ(old_lines.size(), 1u);
  EXPECT_TRUE(old_lines[0].ends_with(" INFO before"));
  const auto new_lines = lines_of(new_path);
  ASSERT_EQ(new_lines.size(), 2u);
  EXPECT_TRUE(new_lines[0].ends_with(" INFO after"));
  EXPECT_TRUE(new_lines[1].ends_with(" INFO reopened"));
}

TEST(Logger, FileTarget_Appends) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  std::ofstream(path) << "earlier line\n";
  auto log = open_or_fail(path, LogLevel::Info);
  ASSERT_TRUE(log);
  log->info("later");
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "earlier line");
}

TEST(Logger, LevelsBelowTheMinimum_AreNotWritten) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Warning);
  ASSERT_TRUE(log);
  EXPECT_FALSE(log->enabled(LogLevel::Debug));
  EXPECT_FALSE(log->enabled(LogLevel::Info));
  EXPECT_TRUE(log->enabled(LogLevel::Warning));
  EXPECT_TRUE(log->enabled(LogLevel::Error));
  log->debug("d");
  log->info("i");
  log->warning("w");
  log->error("e");
  log->write(LogLevel::Info, "written directly");
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].ends_with(" WARNING w"));
  EXPECT_TRUE(lines[1].ends_with(" ERROR e"));
}

TEST(Logger, SetLevel_ChangesWhatIsWritten) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Info);
  ASSERT_TRUE(log);
  log->debug("hidden");
  log->set_level(LogLevel::Debug);
  log->debug("shown");
  log->set_level(LogLevel::Error);
  log->warning("hidden too");
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].ends_with(" DEBUG shown"));
}

TEST(Logger, ReopenAfterRename_WritesToANewFile) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Info);
  ASSERT_TRUE(log);
  log->info("before rotation");
  fs::rename(path, dir.file("ternd.log.1"));
  log->info("after rename, before reopen");
  log->reopen();
  log->info("after reopen");
  auto rotated = lines_of(dir.file("ternd.log.1"));
  auto fresh = lines_of(path);
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_TRUE(rotated[1].ends_with(" INFO after rename, before reopen"));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_TRUE(fresh[0].ends_with(" INFO after reopen"));
}

TEST(Logger, ReopenFailure_KeepsTheOldFileAndSaysSo) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Info);
  ASSERT_TRUE(log);
  fs::rename(path, dir.file("ternd.log.1"));
  fs::create_directory(path);  // a directory cannot be opened for appending
  log->reopen();
  log->info("still logging");
  auto old = lines_of(dir.file("ternd.log.1"));
  ASSERT_EQ(old.size(), 2u);
  EXPECT_TRUE(old[0].ends_with(" ERROR cannot reopen log file " + path +
                               ": Is a directory; still writing to the file opened before"))
      << old[0];
  EXPECT_TRUE(old[1].ends_with(" INFO still logging"));
}

TEST(Logger, UnopenablePath_IsAnError) {
  auto r = Logger::open("/nonexistent-tern-dir/ternd.log", LogLevel::Info);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(),
            "cannot open log file /nonexistent-tern-dir/ternd.log: No such file or directory");
}

TEST(Logger, StdoutAndStderrTargets_WriteThere) {
  auto out = open_or_fail("stdout", LogLevel::Info);
  ASSERT_TRUE(out);
  testing::internal::CaptureStdout();
  out->info("to stdout");
  auto captured = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(std::regex_match(captured.substr(0, captured.size() - 1), kLine)) << captured;
  EXPECT_TRUE(captured.ends_with(" INFO to stdout\n"));

  auto err = open_or_fail("stderr", LogLevel::Info);
  ASSERT_TRUE(err);
  testing::internal::CaptureStderr();
  err->error("to stderr");
  EXPECT_TRUE(testing::internal::GetCapturedStderr().ends_with(" ERROR to stderr\n"));
}

TEST(Logger, SyslogTarget_Opens) {
  auto log = open_or_fail("syslog", LogLevel::Info);
  ASSERT_TRUE(log);
  log->debug("filtered before syslog(3)");
  EXPECT_TRUE(log->enabled(LogLevel::Info));
}

// No syslog daemon (a container, a minimal host): syslog(3) would drop every line without a
// word, so the log goes to stderr with one warning saying why.
TEST(Logger, SyslogWithNoDaemon_FallsBackToStderrWithOneWarning) {
  testing::internal::CaptureStderr();
  auto log = Logger::open("syslog", LogOptions{.syslog_socket = "/nonexistent-tern-dir/log"});
  ASSERT_TRUE(log.ok());
  (*log)->info("still seen");
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }(testing::internal::GetCapturedStderr());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].ends_with(
      " WARNING syslog: no syslog daemon at /nonexistent-tern-dir/log (No such file or "
      "directory); logging to stderr instead"))
      << lines[0];
  EXPECT_TRUE(lines[1].ends_with(" INFO still seen")) << lines[1];
}

TEST(Logger, SyslogWithADaemonListening_WritesNothingToStderr) {
  TempDir dir;
  const std::string path = dir.file("log");
  FileDescriptor daemon(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(daemon.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  testing::internal::CaptureStderr();
  auto log = Logger::open("syslog", LogOptions{.syslog_socket = path});
  ASSERT_TRUE(log.ok());
  (*log)->info("to syslog(3)");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

std::string shouting(std::chrono::system_clock::time_point, LogLevel level,
                     std::string_view message) {
  return std::string(log_level_name(level)) + "!" + std::string(message) + "\n";
}

TEST(Logger, AFormatter_MakesEveryLine) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = Logger::open(path, LogOptions{.formatter = shouting});
  ASSERT_TRUE(log.ok());
  (*log)->info("a={}", 1);
  (*log)->error("b");
  EXPECT_EQ(lines_of(path), (std::vector<std::string>{"INFO!a=1", "ERROR!b"}));
}

TEST(ParseLogLevel, TakesEachNameInAnyCase_AndNothingElse) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("INFO"), LogLevel::Info);
  EXPECT_EQ(parse_log_level("Warning"), LogLevel::Warning);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::Warning);
  EXPECT_EQ(parse_log_level("error"), LogLevel::Error);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
}

TEST(Logger, ConcurrentWriters_NeverInterleaveLines) {
  TempDir dir;
  auto path = dir.file("ternd.log");
  auto log = open_or_fail(path, LogLevel::Info);
  ASSERT_TRUE(log);
  constexpr int kThreads = 4, kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i)
        log->info("worker {} line {} {}", t, i, std::string(200, 'x'));
    });
  for (auto& t : threads) t.join();
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  const std::regex whole(R"(.* INFO worker \d line \d+ x{200})");
  for (const auto& line : lines) ASSERT_TRUE(std::regex_match(line, whole)) << line;
}

}  // namespace
}  // namespace tern
