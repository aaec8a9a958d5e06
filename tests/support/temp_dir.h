#pragma once
// A fresh directory per test (mkdtemp), so tests running in parallel never share a log,
// a certificate or a config file. Removed on destruction unless the test failed: then
// it is kept, and its path printed, for the post-mortem.

#include <filesystem>
#include <string>

namespace tern::test {

class TempDir {
 public:
  // Under $TMPDIR (or /tmp). Throws std::runtime_error if no directory can be made:
  // a broken test machine, not a test result.
  TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  void remove();
  std::filesystem::path path_;
};

// The whole file, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);
// Writes (replaces) a file; false when it cannot be written.
bool write_file(const std::filesystem::path& path, const std::string& content);
// The last `lines` lines of a text, for failure messages that stay readable.
std::string tail(const std::string& text, size_t lines = 30);

}  // namespace tern::test
