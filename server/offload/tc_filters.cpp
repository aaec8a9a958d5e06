#include "server/offload/tc_filters.h"

#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "server/offload/netlink.h"

namespace tern {

std::vector<TcFilter> ingress_bpf_filters(int ifindex) {
  std::vector<TcFilter> filters;
  FileDescriptor fd = open_route_socket();
  if (!fd.valid()) return filters;
  struct {
    nlmsghdr header;
    tcmsg tc;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = RTM_GETTFILTER;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.tc.tcm_family = AF_UNSPEC;
  request.tc.tcm_ifindex = ifindex;
  request.tc.tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
  netlink_request(fd.get(), {reinterpret_cast<const uint8_t*>(&request), sizeof(request)},
                  [&](const nlmsghdr& m) {
                    if (m.nlmsg_type != RTM_NEWTFILTER || m.nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg)))
                      return true;
                    const auto* tc = static_cast<const tcmsg*>(NLMSG_DATA(&m));
                    if (tc->tcm_handle == 0) return true;  // a priority's head, no filter
                    TcFilter f;
                    f.handle = tc->tcm_handle;
                    f.priority = static_cast<uint16_t>(TC_H_MAJ(tc->tcm_info) >> 16);
                    bool bpf = false;
                    const size_t at = NLMSG_LENGTH(sizeof(tcmsg));
                    for_each_attribute(
                        {reinterpret_cast<const uint8_t*>(&m) + at, m.nlmsg_len - at},
                        [&](uint16_t type, std::span<const uint8_t> value) {
                          if (type == TCA_KIND) bpf = c_string(value) == "bpf";
                          if (type != TCA_OPTIONS) return;
                          for_each_attribute(value, [&](uint16_t o, std::span<const uint8_t> v) {
                            if (o == TCA_BPF_ID && v.size() >= 4)
                              std::memcpy(&f.prog_id, v.data(), 4);
                            if (o == TCA_BPF_NAME) f.name = std::string(c_string(v));
                          });
                        });
                    if (bpf) filters.push_back(std::move(f));
                    return true;
                  });
  return filters;
}

}  // namespace tern
