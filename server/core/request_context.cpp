#include "server/core/request_context.h"

#include <chrono>
#include <ostream>

namespace tern {

const char* to_string(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "UDP";
    case Transport::Tcp:
      return "TCP";
    case Transport::Tls:
      return "TLS";
    case Transport::Dtls:
      return "DTLS";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, Transport t) {
  return os << to_string(t);
}

int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tern
