#include "tests/support/ternctl.h"

#include <chrono>

#include "tests/support/ternd_process.h"

namespace tern::test {

std::filesystem::path ternctl_path() {
  return ternd_path().parent_path().parent_path() / "admin" / "ternctl";
}

CommandResult run_ternctl(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::vector<std::string> argv{ternctl_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir, std::chrono::seconds(10));
}

std::optional<std::string> json_string_member(std::string_view json, std::string_view key) {
  const std::string quoted_key = "\"" + std::string(key) + "\"";
  size_t at = json.find(quoted_key);
  if (at == std::string_view::npos) return std::nullopt;
  at += quoted_key.size();
  while (at < json.size() && (json[at] == ' ' || json[at] == ':')) ++at;
  if (at >= json.size() || json[at] != '"') return std::nullopt;
  std::string value;
  for (++at; at < json.size(); ++at) {
    const char c = json[at];
    if (c == '"') return value;
    if (c == '\\') {
      if (++at >= json.size()) return std::nullopt;
      const char escaped = json[at];
      if (escaped != '"' && escaped != '\\' && escaped != '/') return std::nullopt;
      value.push_back(escaped);
    } else {
      value.push_back(c);
    }
  }
  return std::nullopt;
}

}  // namespace tern::test
