#include "tests/support/ternd_on_free_ports.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "tests/support/free_ports.h"

namespace tern::test {

Result<TerndOnPorts, std::string> start_ternd_on_free_ports(
    size_t count,
    const std::function<std::vector<std::string>(std::span<const uint16_t>)>& args_for) {
  constexpr int kAttempts = 3;
  std::string why = "no free TCP port on 127.0.0.1";
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::vector<uint16_t> ports;
    while (ports.size() < count) {
      const uint16_t port = free_tcp_port();
      if (port == 0 || std::ranges::find(ports, port) != ports.end()) break;
      ports.push_back(port);
    }
    if (ports.size() < count) continue;
    auto t = TerndProcess::start({args_for(ports)});
    why = t ? t->diagnostics() : t.error();
    const bool port_taken = (t ? t->log() : why).find("in use") != std::string::npos;
    if (t && !port_taken) return TerndOnPorts{std::move(*t), std::move(ports)};
    if (!port_taken) return unexpected(why);
  }
  return unexpected("a port ternd was given was taken " + std::to_string(kAttempts) +
                    " times in a row\n" + why);
}

}  // namespace tern::test
