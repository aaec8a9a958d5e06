#include "server/offload/stale_filters.h"

#if TERN_HAVE_OFFLOAD

#include <net/if.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>

#include "server/offload/channel_offload.h"
#include "server/offload/offload_program.h"
#include "server/offload/tc_filters.h"

namespace tern {

namespace {

// Whether a program another ternd left (its filter's prog id) still holds a lease: read
// from its own tern_lease map. A program without one (a ternd from before leases) holds
// none.
bool lease_held(uint32_t prog_id) {
  FileDescriptor prog(bpf_prog_get_fd_by_id(prog_id));
  if (!prog.valid()) return false;
  std::array<uint32_t, 16> map_ids{};
  bpf_prog_info info{};
  info.nr_map_ids = map_ids.size();
  info.map_ids = reinterpret_cast<uintptr_t>(map_ids.data());
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog.get(), &info, &len) != 0) return false;
  for (uint32_t i = 0; i < std::min<uint32_t>(info.nr_map_ids, map_ids.size()); ++i) {
    FileDescriptor map(bpf_map_get_fd_by_id(map_ids[i]));
    bpf_map_info map_info{};
    uint32_t map_len = sizeof(map_info);
    if (!map.valid() || bpf_obj_get_info_by_fd(map.get(), &map_info, &map_len) != 0 ||
        std::string_view(map_info.name) != "tern_lease") {
      continue;
    }
    const uint32_t zero = 0;
    uint64_t until = 0;
    return bpf_map_lookup_elem(map.get(), &zero, &until) == 0 && monotonic_ns() < until;
  }
  return false;
}

}  // namespace

// The clsact filters of ternds that are gone, which the kernel keeps (the tcx links of
// Linux ≥ 6.6 go with their process): a filter of this program (libbpf names it
// "tern_channel_re:[<id>]", the kernel's 15 characters of the name) whose handle, the
// pid of the ternd that put it there, names no process, and whose lease ran out. Both,
// since a ternd in another pid namespace sharing this network namespace has a pid this
// one cannot see: its lease still says it is alive. One line per pid, for the log.
std::vector<std::string> remove_stale_filters() {
  std::map<uint32_t, std::vector<std::string>> removed;  // pid → its interfaces
  struct if_nameindex* list = if_nameindex();
  if (!list) return {};
  for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
    const int ifindex = static_cast<int>(i->if_index);
    for (const TcFilter& f : ingress_bpf_filters(ifindex)) {
      // 4194304: the kernel's largest pid (PID_MAX_LIMIT); a handle past it is no pid.
      if (!f.name.starts_with("tern_channel_re:") || f.handle > 4194304) continue;
      if (::kill(static_cast<pid_t>(f.handle), 0) == 0 || errno != ESRCH) continue;
      if (lease_held(f.prog_id)) continue;
      LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
      LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f.handle, .priority = f.priority);
      if (bpf_tc_detach(&hook, &opts) == 0) removed[f.handle].emplace_back(i->if_name);
    }
  }
  if_freenameindex(list);
  std::vector<std::string> lines;
  for (const auto& [pid, names] : removed) {
    lines.push_back("kernel offload: removed the TC filters of ternd pid " + std::to_string(pid) +
                    ", which is gone, from " + join(names));
  }
  return lines;
}

}  // namespace tern

#endif
