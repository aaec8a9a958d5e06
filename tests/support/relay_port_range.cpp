#include "tests/support/relay_port_range.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

// Tries at once, then retries until the patience runs out.
constexpr uint32_t kTries = 64;
// Ranges are held in blocks of this many ports: one lock file per block.
constexpr uint32_t kBlock = 16;

bool udp_free(const TransportAddress& address) {
  FileDescriptor fd(socket(socket_domain(address), SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  const SockAddr sa = to_sockaddr(address);
  return bind(fd.get(), sa.get(), sa.length) == 0;
}

bool all_free(uint32_t first, uint32_t count, bool ipv6) {
  for (uint32_t p = first; p < first + count; ++p) {
    const auto port = static_cast<uint16_t>(p);
    if (!udp_free(loopback(IpVersion::V4, port)) || !udp_free(*parse_ip("127.0.0.2", port)) ||
        (ipv6 && !udp_free(loopback(IpVersion::V6, port)))) {
      return false;
    }
  }
  return true;
}

// flock()s on the files of the blocks that cover first..last, taken without waiting; they
// go when the process exits, however it ends, so a crashed test holds nothing.
std::shared_ptr<const void> hold_blocks(uint32_t first, uint32_t last) {
  const auto dir = std::filesystem::temp_directory_path() / "tern-test-ports";
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  auto locks = std::make_shared<std::vector<FileDescriptor>>();
  for (uint32_t block = first / kBlock; block <= last / kBlock; ++block) {
    const auto path = dir / (std::to_string(block) + ".lock");
    FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    if (!fd.valid() || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return nullptr;
    locks->push_back(std::move(fd));
  }
  return locks;
}

}  // namespace

std::vector<std::string> PortRange::args() const {
  return {"--min-port", std::to_string(first), "--max-port", std::to_string(last)};
}

std::optional<PortRange> free_udp_port_range(uint16_t count, PortWindow window,
                                             std::chrono::milliseconds patience) {
  if (count == 0 || window.highest < window.lowest || count > window.highest - window.lowest + 1u) {
    return std::nullopt;
  }
  const bool ipv6 = ipv6_loopback_available();
  // How many first ports leave room for `count`.
  const unsigned starts = window.highest - window.lowest + 2u - count;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (uint32_t i = 0;; ++i) {
    uint32_t r = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) r = 7919u * (i + 1);
    const uint32_t first = window.lowest + r % starts;
    const uint32_t last = first + count - 1;
    auto hold = hold_blocks(first, last);
    if (hold && all_free(first, count, ipv6)) {
      return PortRange{static_cast<uint16_t>(first), static_cast<uint16_t>(last), std::move(hold)};
    }
    if (i >= kTries && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    if (i >= kTries) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

EvenPortRange free_even_udp_port_range(uint32_t count) {
  auto range = free_udp_port_range(static_cast<uint16_t>(count + 1));
  if (!range) {
    ADD_FAILURE() << "no free range of " << count << " ports";
    return {};
  }
  const auto base = static_cast<uint16_t>(range->first + (range->first & 1u));
  return {std::move(*range), base};
}

}  // namespace tern::test
