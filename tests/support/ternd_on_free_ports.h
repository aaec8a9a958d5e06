#pragma once
// A ternd with listeners of its own beside its relay ports (the admin API's, /metrics').
// Those ports are free a moment before ternd binds them, and another process may take one
// in between; ternd then says so ("... in use") and stops, or runs on without the admin
// API, so whoever starts it must notice and start it again on others.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "tests/support/ternd_process.h"

namespace tern::test {

struct TerndOnPorts {
  TerndProcess ternd;
  std::vector<uint16_t> ports;  // the ones `args_for` was given
};

// `args_for` makes ternd's flags from `count` TCP ports on 127.0.0.1 that were free a
// moment before; a ternd that found one of them in use is started again on others, three
// times at most. The error carries the last attempt's diagnostics.
Result<TerndOnPorts, std::string> start_ternd_on_free_ports(
    size_t count,
    const std::function<std::vector<std::string>(std::span<const uint16_t>)>& args_for);

}  // namespace tern::test
