// ternd's configuration: a config file (-c) and command-line flags, through the option
// table. Checks: nothing throws, a bad line is an error naming where it is, reading is
// deterministic, what is accepted passes the cross-option rules, and the same
// `key=value` settings mean the same Config whether they come from the file or as
// `--key=value` flags.

#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/config.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;

struct Argv {
  std::vector<std::string> args{"ternd"};
  std::vector<const char*> pointers() const {
    std::vector<const char*> p;
    for (const auto& a : args) p.push_back(a.c_str());
    return p;
  }
};

Result<CommandLine, std::string> parse(const Argv& a) {
  const auto p = a.pointers();
  return parse_command_line(static_cast<int>(p.size()), p.data());
}

void check_accepted(const Result<CommandLine, std::string>& r) {
  if (!r) {
    TERN_FUZZ_CHECK(!r.error().empty());
    return;
  }
  const Config& c = r->config;
  TERN_FUZZ_CHECK(c.min_port <= c.max_port);
  TERN_FUZZ_CHECK(!(c.no_auth && c.use_auth_secret));
}

void check_same(const Result<CommandLine, std::string>& a,
                const Result<CommandLine, std::string>& b) {
  TERN_FUZZ_CHECK(a.ok() == b.ok());
  if (a) {
    TERN_FUZZ_CHECK(a->config == b->config && a->show_help == b->show_help);
  } else {
    TERN_FUZZ_CHECK(a.error() == b.error());
  }
}

// A value that means the same after "--key=" as after "key=" in a file: nothing the file
// reader trims (config.cpp's blanks, \v and \f included), unquotes or cuts as a comment.
bool plain(std::string_view line) {
  const size_t eq = line.find('=');
  if (eq == 0 || eq == std::string_view::npos || eq + 1 == line.size()) return false;
  for (char c : line) {
    if (c == '#' || c == '"' || c == '\'' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
        c == '\v' || c == '\f' || c == '\0' || c == ';') {
      return false;
    }
  }
  return !line.starts_with("-") && !line.starts_with("config=");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Removed when libFuzzer exits after its time is up.
  static const struct TempFile {
    ~TempFile() { ::unlink(path.c_str()); }
    std::string path = "/tmp/tern-fuzz-config-" + std::to_string(getpid()) + ".conf";
  } file;
  const std::string& path = file.path;

  // The file: lines as they come.
  const std::string file_text = in.ConsumeRandomLengthString(4096);
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << file_text;
  }
  Argv with_file;
  with_file.args.insert(with_file.args.end(), {"-c", path});
  // Flags after it, one argument per NUL-free piece.
  Argv flags_only;
  while (in.remaining_bytes() > 0 && flags_only.args.size() < 64) {
    std::string arg = in.ConsumeRandomLengthString(256);
    if (arg.find('\0') != std::string::npos) arg.resize(arg.find('\0'));
    with_file.args.push_back(arg);
    flags_only.args.push_back(arg);
  }

  const auto r = parse(with_file);
  check_accepted(r);
  check_same(r, parse(with_file));
  check_accepted(parse(flags_only));

  // The file's plain key=value lines, once as a file and once as flags.
  std::string plain_file;
  Argv as_flags;
  size_t start = 0;
  while (start <= file_text.size()) {
    size_t end = file_text.find('\n', start);
    if (end == std::string::npos) end = file_text.size();
    const std::string_view line(file_text.data() + start, end - start);
    if (plain(line)) {
      plain_file += std::string(line) + "\n";
      as_flags.args.push_back("--" + std::string(line));
    }
    start = end + 1;
  }
  {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << plain_file;
  }
  Argv plain_with_file;
  plain_with_file.args.insert(plain_with_file.args.end(), {"-c", path});
  const auto from_file = parse(plain_with_file);
  const auto from_flags = parse(as_flags);
  check_accepted(from_file);
  check_accepted(from_flags);
  if (from_file && from_flags) {
    TERN_FUZZ_CHECK(from_file->config == from_flags->config);
  }
  return 0;
}
