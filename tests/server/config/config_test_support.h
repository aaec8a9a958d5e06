#pragma once
// What the config tests share: a config file on disk and parsing a command line.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/config.h"

namespace tern::test {

// A config file that removes itself.
class TempFile {
 public:
  explicit TempFile(std::string_view text) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() / ("tern-config-" + std::to_string(::getpid()) +
                                                       "-" + std::to_string(++counter) + ".conf"))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ternd's command line with these arguments after the program name.
inline Result<CommandLine, std::string> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "ternd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace tern::test
