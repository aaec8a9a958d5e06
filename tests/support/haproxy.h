#pragma once
// A real haproxy (Debian's) for tests: a TCP frontend on a free 127.0.0.1 port whose
// connections go to one backend with a PROXY protocol header (send-proxy or
// send-proxy-v2), as a load balancer in front of ternd would send them. Killed with the
// test process if that dies.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "protocol/transport_address.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

inline constexpr char kHaproxy[] = "/usr/sbin/haproxy";

class Haproxy {
 public:
  // `send_proxy`: haproxy's server keyword, "send-proxy" (v1) or "send-proxy-v2".
  // nullptr when haproxy cannot be started; `error` then says why.
  static std::unique_ptr<Haproxy> start(const TransportAddress& backend,
                                        const std::string& send_proxy, std::string& error);
  struct Passkey {};
  Haproxy(Passkey, uint16_t port) : port_(port) {}
  ~Haproxy();
  Haproxy(const Haproxy&) = delete;
  Haproxy& operator=(const Haproxy&) = delete;

  // Where clients connect: 127.0.0.1:port().
  TransportAddress address() const;
  std::string log() const;

 private:
  bool launch(const TransportAddress& backend, const std::string& send_proxy);

  TempDir dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace tern::test
