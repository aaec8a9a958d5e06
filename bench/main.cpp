// tern-bench: load generator for STUN/TURN servers. See --help and bench/NOTES.md.

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/options.h"
#include "bench/scenarios.h"

int main(int argc, char** argv) {
  // A server that goes away mid-run closes streams under us; that is a result, not a crash.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = tern::bench::parse_options(args);
  if (!parsed.options) {
    std::fputs(parsed.message.c_str(), parsed.help ? stdout : stderr);
    if (!parsed.help) std::fputs("\n", stderr);
    return parsed.help ? 0 : 2;
  }
  const auto& o = *parsed.options;
  tern::bench::Report report;
  switch (o.mode) {
    case tern::bench::Mode::Binding:
      report = tern::bench::run_binding(o);
      break;
    case tern::bench::Mode::Allocate:
      report = tern::bench::run_allocate(o);
      break;
    case tern::bench::Mode::Relay:
      report = tern::bench::run_relay(o);
      break;
  }
  const std::string out = o.json ? report.json() : report.human();
  std::fputs(out.c_str(), stdout);
  return 0;
}
