// The TC program's attachments: through tcx links where the kernel has them, else clsact
// filters, which outlive a killed ternd and so stop relaying when its lease runs out.
#include "server/offload/offload_program.h"

#if TERN_HAVE_OFFLOAD

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "server/offload/channel_offload.h"

namespace tern {

namespace {

// Our filter among the others on an interface's hook (the clsact path): one handle per
// process (another ternd on the host has its own program and maps, and its filter runs
// after ours).
uint32_t filter_handle() {
  return static_cast<uint32_t>(::getpid());
}
constexpr uint32_t kFilterPriority = 1;

// Debian 12's uapi headers (Linux 6.1) predate tcx (Linux 6.6), whose attach type
// bpf_link_create passes through as it is; the value is the kernel's ABI.
constexpr auto kTcxIngress = static_cast<bpf_attach_type>(46);  // BPF_TCX_INGRESS

}  // namespace

Attachment::~Attachment() {
  if (link_.valid()) return;  // the link's fd closes, and the kernel detaches
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = BPF_TC_INGRESS);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = filter_handle(), .priority = kFilterPriority);
  bpf_tc_detach(&hook, &opts);
}

void OffloadProgram::renew_lease() {
  const uint32_t zero = 0;
  const uint64_t until = monotonic_ns() + kLeaseNs;
  (void)bpf_map_update_elem(bpf_map__fd(skel->maps.tern_lease), &zero, &until, BPF_ANY);
}

// A link fd, or -errno.
int OffloadProgram::attach_tcx(int ifindex) const {
  const int fd = bpf_link_create(prog_fd(), ifindex, kTcxIngress, nullptr);
  return fd >= 0 ? fd : -errno;
}

// 0 or -errno.
int OffloadProgram::attach_clsact(int ifindex) const {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) return err;
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd(), .flags = BPF_TC_F_REPLACE,
              .handle = filter_handle(), .priority = kFilterPriority);
  return bpf_tc_attach(&hook, &opts);
}

Attachment* OffloadProgram::find(int ifindex) {
  auto at = std::find_if(attached.begin(), attached.end(),
                         [&](const auto& a) { return a->ifindex() == ifindex; });
  return at == attached.end() ? nullptr : at->get();
}

// 0 or -errno. A kernel without tcx (EINVAL: an attach type it does not know) turns
// this ternd to clsact filters before anything is attached through a link.
int OffloadProgram::attach(int ifindex, const std::string& name, bool straight) {
  FileDescriptor link;
  if (tcx) {
    const int fd = attach_tcx(ifindex);
    if (fd == -EINVAL && attached.empty()) {
      tcx = false;
    } else if (fd < 0) {
      return fd;
    } else {
      link.reset(fd);
    }
  }
  if (!tcx) {
    if (int err = attach_clsact(ifindex)) return err;
  }
  attached.push_back(std::make_unique<Attachment>(ifindex, name, std::move(link)));
  set_straight(*attached.back(), straight);
  return 0;
}

void OffloadProgram::set_straight(Attachment& a, bool straight) {
  if (a.straight == straight) return;
  a.straight = straight;
  const uint32_t key = static_cast<uint32_t>(a.ifindex());
  const uint8_t yes = 1;
  // Without the entry the program routes out the ordinary way: slower, never wrong.
  if (straight) {
    (void)bpf_map_update_elem(bpf_map__fd(skel->maps.tern_peer_links), &key, &yes, BPF_ANY);
  } else {
    (void)bpf_map_delete_elem(bpf_map__fd(skel->maps.tern_peer_links), &key);
  }
}

}  // namespace tern

#endif
