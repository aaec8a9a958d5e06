#include "server/request_context.h"

namespace tern {

const char* to_string(Transport t) {
  switch (t) {
    case Transport::Udp:
      return "UDP";
    case Transport::Tcp:
      return "TCP";
    case Transport::Tls:
      return "TLS";
  }
  return "?";
}

}  // namespace tern
