#include "base/icmp_errors.h"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/socket_address.h"

namespace tern {

bool enable_icmp_reports(int fd, Family family) {
  const int on = 1;
  return family == Family::V4 ? ::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on) == 0
                              : ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on) == 0;
}

namespace {

const sock_extended_err* icmp_error_of(msghdr& h) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
    const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    const auto* e = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
    if (e->ee_origin == SO_EE_ORIGIN_ICMP || e->ee_origin == SO_EE_ORIGIN_ICMP6) return e;
  }
  return nullptr;
}

}  // namespace

size_t read_icmp_reports(int fd, std::span<IcmpReport> out) {
  size_t n = 0;
  // Bounded: errors that are not ICMP's are read too, but never more than twice the room.
  for (size_t read = 0; n < out.size() && read < 2 * out.size(); ++read) {
    SockAddr from;
    // The offending datagram's start comes back as data; only its destination matters.
    uint8_t data[64];
    iovec iov{data, sizeof data};
    alignas(cmsghdr) uint8_t control[512];
    msghdr h{};
    h.msg_name = from.get();
    h.msg_namelen = sizeof from.storage;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    if (::recvmsg(fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    from.length = h.msg_namelen;
    const sock_extended_err* e = icmp_error_of(h);
    auto destination = from_sockaddr(from);
    if (!e || !destination) continue;
    out[n++] = {*destination, e->ee_origin == SO_EE_ORIGIN_ICMP6, e->ee_type, e->ee_code,
                e->ee_info};
  }
  return n;
}

bool is_reported_icmp_error(int err) {
  switch (err) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EPROTO:
    case EMSGSIZE:
    case EACCES:
      return true;
    default:
      return false;
  }
}

}  // namespace tern
