#include "protocol/fingerprint.h"

#include <zlib.h>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

constexpr size_t kFingerprintSize = 4;

// The header's length field already counts FINGERPRINT itself: the sender adds the
// attribute, then computes the CRC over everything before it.
uint32_t fingerprint_of(std::span<const uint8_t> prefix) {
  return static_cast<uint32_t>(crc32(0L, prefix.data(), static_cast<uInt>(prefix.size()))) ^
         kFingerprintXor;
}

}  // namespace

void add_fingerprint(MessageBuilder& b) {
  auto out = b.append(attr::Fingerprint, kFingerprintSize);
  if (!b.ok()) return;
  const auto bytes = b.bytes();
  store_u32(out.data(),
            fingerprint_of(bytes.first(bytes.size() - kAttributeHeaderSize - kFingerprintSize)));
}

bool verify_fingerprint(const MessageView& m) {
  const auto a = m.find(attr::Fingerprint);
  if (!a || a->value.size() != kFingerprintSize) return false;
  if (a->offset + kAttributeHeaderSize + kFingerprintSize != m.bytes().size()) return false;
  return load_u32(a->value.data()) == fingerprint_of(m.bytes().first(a->offset));
}

bool has_fingerprint(const MessageView& m) {
  return m.has(attr::Fingerprint);
}

}  // namespace tern::stun
