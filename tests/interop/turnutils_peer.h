#pragma once
// coturn's turnutils_peer, the UDP echo server turnutils_uclient talks to through the
// relay: started on two free loopback ports (PORT for RTP, PORT + 1 for RTCP), known to
// echo on both before start() returns, stopped by the destructor.

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "tests/support/loopback.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

inline constexpr const char* kTurnutilsPeer = "/usr/bin/turnutils_peer";

class TurnutilsPeer {
 public:
  // The error says what failed, with the peer's output.
  static Result<TurnutilsPeer, std::string> start(IpVersion version);

  TurnutilsPeer(TurnutilsPeer&& other) noexcept;
  TurnutilsPeer& operator=(TurnutilsPeer&&) = delete;
  TurnutilsPeer(const TurnutilsPeer&) = delete;
  ~TurnutilsPeer();

  // PORT; the peer also echoes on PORT + 1.
  const TransportAddress& address() const { return address_; }
  // Ended early (say, the port was taken after all): the test's data had nowhere to go.
  bool running();
  std::string output() const;

 private:
  TurnutilsPeer() = default;
  // On both of its ports.
  bool echoes() const;
  static bool echoes_on(const TransportAddress& address);
  void stop();

  TempDir dir_;
  TransportAddress address_;
  pid_t pid_ = -1;
};

}  // namespace tern::test
