// coturn's --redis-userdb connection string. Checks: parsing is deterministic, what is
// accepted names a server address that prints, and an error never depends on a
// password's value (the string carries one, and errors end up in logs).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/redis/redis_connection_string.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The input with every password value (as the parser splits items: at spaces) replaced
// by as many 'x': the same string but for the secrets.
std::string without_secrets(std::string_view text) {
  std::string out(text);
  size_t at = 0;
  while (at < out.size()) {
    const size_t end = std::min(out.find(' ', at), out.size());
    const std::string_view item = std::string_view(out).substr(at, end - at);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view key = item.substr(0, eq);
      if (key == "password" || key == "pwd" || key == "passwd" || key == "secret" ||
          key == "sentinel-password" || key == "sentinel_password") {
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(at + eq + 1),
                  out.begin() + static_cast<std::ptrdiff_t>(end), 'x');
      }
    }
    at = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = tern::parse_redis_connection_string(text);
  const auto again = tern::parse_redis_connection_string(text);
  TERN_FUZZ_CHECK(parsed.ok() == again.ok());
  if (parsed) {
    TERN_FUZZ_CHECK(*parsed == *again);
    TERN_FUZZ_CHECK(!parsed->address().empty());
    TERN_FUZZ_CHECK(parsed->connect_timeout.count() >= 0);
    return 0;
  }
  TERN_FUZZ_CHECK(parsed.error() == again.error() && !parsed.error().empty());
  // What the error says cannot depend on a password's value, only on its presence.
  const auto masked = tern::parse_redis_connection_string(without_secrets(text));
  TERN_FUZZ_CHECK(!masked.ok() && masked.error() == parsed.error());
  return 0;
}
