#include "server/shared/mobility_tickets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <string_view>

#include "auth/base64.h"

namespace tern {

namespace {
constexpr size_t kBody = 1 + 7 + 4;  // worker, sequence, expiry (s)
constexpr size_t kBytes = kBody + 12;
static_assert((kBytes + 2) / 3 * 4 == MobilityTickets::kSize);

void put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(std::span<const uint8_t> in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[at + static_cast<size_t>(i)];
  return v;
}
}  // namespace

MobilityTickets::MobilityTickets() {
  RAND_bytes(secret_.data(), static_cast<int>(secret_.size()));
}

MobilityTickets::MobilityTickets(std::span<const uint8_t, 32> secret) {
  std::ranges::copy(secret, secret_.begin());
}

std::array<uint8_t, 12> MobilityTickets::tag(std::span<const uint8_t> body) const {
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), body.data(), body.size(),
       mac.data(), &length);
  std::array<uint8_t, 12> out{};
  std::copy_n(mac.begin(), out.size(), out.begin());
  return out;
}

std::vector<uint8_t> MobilityTickets::issue(unsigned worker, uint64_t sequence,
                                            int64_t expires_ms) const {
  std::vector<uint8_t> body;
  body.reserve(kBytes);
  put(body, worker, 1);
  put(body, sequence, 7);
  put(body, static_cast<uint64_t>(std::max<int64_t>(expires_ms, 0) / 1000), 4);
  const auto t = tag(body);
  body.insert(body.end(), t.begin(), t.end());
  const std::string text = auth::base64_encode(body);
  return {text.begin(), text.end()};
}

Result<TicketClaim, MobilityTickets::Refused> MobilityTickets::open(std::span<const uint8_t> ticket,
                                                                    int64_t now_ms) const {
  if (ticket.size() != kSize) return unexpected(Refused::Malformed);
  auto bytes = auth::base64_decode(
      std::string_view(reinterpret_cast<const char*>(ticket.data()), ticket.size()));
  if (!bytes || bytes->size() != kBytes) return unexpected(Refused::Malformed);
  const std::span<const uint8_t> b(*bytes);
  const auto expected = tag(b.first(kBody));
  if (CRYPTO_memcmp(expected.data(), b.data() + kBody, expected.size()) != 0) {
    return unexpected(Refused::Forged);
  }
  if (static_cast<int64_t>(get(b, 8, 4)) * 1000 <= now_ms) return unexpected(Refused::Expired);
  return TicketClaim{static_cast<unsigned>(get(b, 0, 1)), get(b, 1, 7)};
}

}  // namespace tern
