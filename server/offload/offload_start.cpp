// ChannelOffload::start: loads the TC program's skeleton, clears the filters of ternds
// that are gone, and attaches the program to every interface (then the XDP program, for
// --offload=xdp).
#include "server/offload/offload_program.h"

#if TERN_HAVE_OFFLOAD

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "server/offload/channel_offload.h"
#include "server/offload/peer_link.h"
#include "server/offload/stale_filters.h"

namespace tern {

namespace {

// Hidden, for the tests only: the clsact filter where the kernel has tcx, so the older
// kernels' path (Debian 12's 6.1) runs on this one too. Read once, at start().
constexpr char kForceClsactVariable[] = "TERN_OFFLOAD_FORCE_CLSACT";

int quiet_libbpf(libbpf_print_level, const char*, va_list) {
  return 0;  // ternd says in one line what failed; libbpf's own lines would repeat it
}

}  // namespace

Result<std::unique_ptr<ChannelOffload>, std::string> ChannelOffload::start(OffloadMode mode,
                                                                           Logger& log) {
  if (mode == OffloadMode::Off) return std::unique_ptr<ChannelOffload>();
  libbpf_set_print(quiet_libbpf);
  auto program = std::make_unique<Program>();
  program->log = &log;
  program->skel.reset(channel_relay__open_and_load());
  if (!program->skel) {
    const int e = errno;
    log.warning(
        "kernel offload off: the BPF program does not load ({}; needs CAP_BPF and "
        "CAP_NET_ADMIN and a kernel with BPF); relaying in user space",
        std::strerror(e));
    return std::unique_ptr<ChannelOffload>();
  }
  program->cpus = std::max(libbpf_num_possible_cpus(), 1);
  const bool forced_clsact = std::getenv(kForceClsactVariable) != nullptr;
  program->tcx = !forced_clsact;
  for (const std::string& line : remove_stale_filters()) log.info("{}", line);
  // Before the first attachment: the program relays nothing without it.
  program->renew_lease();
  std::vector<std::string> names, straight;
  std::string refused;
  for (const LinkMessage& link : present_links()) {
    const bool cross = is_straight_link(link);
    if (int err = program->attach(link.ifindex, link.name, cross); err == 0) {
      names.push_back(link.name);
      if (cross) straight.push_back(link.name);
    } else if (refused.empty()) {
      refused = link.name + ": " + std::strerror(-err);
    }
  }
  if (names.empty()) {
    log.warning(
        "kernel offload off: no interface takes the TC program ({}); relaying in user space",
        refused.empty() ? "no interfaces" : refused);
    return std::unique_ptr<ChannelOffload>();
  }
  const std::string how =
      program->tcx    ? " (tcx links)"
      : forced_clsact ? " (clsact filters, as " + std::string(kForceClsactVariable) + " asks)"
                      : " (clsact filters: this kernel has no tcx links)";
  auto offload = std::make_unique<ChannelOffload>(std::move(program));
  log.info("kernel offload on: ChannelData of UDP clients relayed by TC on {}{}{}{}", join(names),
           straight.empty() ? "" : " (straight to the other namespace: " + join(straight) + ")",
           refused.empty() ? "" : " (refused: " + refused + ")", how);
  if (mode == OffloadMode::Xdp) start_xdp(*offload->program_, log);
  return offload;
}

}  // namespace tern

#endif
