#pragma once
// The BPF filters on an interface's TC ingress (clsact), as rtnetlink lists them: how
// ternd finds the filters a killed ternd left behind.

#include <cstdint>
#include <string>
#include <vector>

namespace tern {

struct TcFilter {
  uint32_t handle = 0;
  uint16_t priority = 0;
  uint32_t prog_id = 0;  // TCA_BPF_ID
  std::string name;      // TCA_BPF_NAME: libbpf's "<program name>:[<id>]"
};

// Empty where the interface has no clsact qdisc or netlink says nothing.
std::vector<TcFilter> ingress_bpf_filters(int ifindex);

}  // namespace tern
