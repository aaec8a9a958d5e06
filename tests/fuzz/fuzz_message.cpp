// Everything that reads one datagram from the network: the STUN message view (strict and
// RFC 3489-lenient), the attribute walk, every attribute getter, MESSAGE-INTEGRITY and
// FINGERPRINT, and ChannelData. Beyond "no crash", it checks what callers rely on: views
// stay inside the input, the first duplicate wins, what a getter reads its add_to writes
// back the same, and a message rebuilt from the input's attributes verifies.

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/channel_data.h"
#include "protocol/error_code.h"
#include "protocol/fingerprint.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/password_algorithms.h"
#include "protocol/plain_address.h"
#include "protocol/rfc5780_attributes.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "protocol/unknown_attributes.h"
#include "protocol/xor_address.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;
using namespace tern::stun;

// Built once: the type space is 64 Ki, too big to scan per input.
const std::vector<uint16_t>& known_types() {
  static const std::vector<uint16_t> types = [] {
    std::vector<uint16_t> v;
    for (uint32_t t = 0; t <= 0xFFFF; ++t) {
      if (attr::is_known(static_cast<uint16_t>(t))) v.push_back(static_cast<uint16_t>(t));
    }
    return v;
  }();
  return types;
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_attribute_walk(const MessageView& m) {
  const auto bytes = m.bytes();
  TERN_FUZZ_CHECK(m.attribute_count() <= MessageView::kMaxAttributes);
  size_t previous_offset = 0;
  for (size_t i = 0; i < m.attribute_count(); ++i) {
    const Attribute a = m.attribute(i);
    TERN_FUZZ_CHECK(a.offset >= kHeaderSize && a.offset > previous_offset);
    TERN_FUZZ_CHECK(a.offset % 4 == 0);
    TERN_FUZZ_CHECK(load_u16(bytes.data() + a.offset) == a.type);
    TERN_FUZZ_CHECK(load_u16(bytes.data() + a.offset + 2) == a.value.size());
    TERN_FUZZ_CHECK(a.value.data() == bytes.data() + a.offset + kAttributeHeaderSize);
    TERN_FUZZ_CHECK(inside(a.value, bytes));
    const auto first = m.find(a.type);
    TERN_FUZZ_CHECK(first && first->type == a.type && first->offset <= a.offset);
    previous_offset = a.offset;
  }
  for (uint16_t type : known_types()) {
    const auto found = m.find(type);
    TERN_FUZZ_CHECK(!found || (found->type == type && inside(found->value, bytes)));
    TERN_FUZZ_CHECK(found.has_value() == m.has(type));
  }
  std::array<uint16_t, MessageView::kMaxAttributes> unknown{};
  const size_t n = m.unknown_comprehension_required(attr::is_known, unknown);
  TERN_FUZZ_CHECK(n <= m.attribute_count());
  for (size_t i = 0; i < n; ++i) {
    TERN_FUZZ_CHECK(attr::comprehension_required(unknown[i]) && !attr::is_known(unknown[i]));
  }
  (void)m.method();
  (void)m.message_class();
  (void)m.transaction_id_copy();
}

// Reads the attribute; when it reads, writes it into a fresh message with the same
// transaction id (the XOR key) and reads it back: the value must survive.
template <typename T>
void check_getter(const MessageView& m, std::span<uint8_t> scratch) {
  const auto got = T::get_from(m);
  if (!got) return;
  MessageBuilder b(scratch, m.type(), m.transaction_id());
  got->add_to(b);
  if (!b.ok()) return;  // a value too big for the scratch buffer is not this check's business
  const auto rebuilt = MessageView::parse(b.bytes());
  TERN_FUZZ_CHECK(rebuilt.ok());
  const auto again = T::get_from(*rebuilt);
  TERN_FUZZ_CHECK(again.ok());
  if constexpr (std::equality_comparable<T>) TERN_FUZZ_CHECK(*again == *got);
}

template <typename T>
void check_get_all(const MessageView& m) {
  std::array<T, 4> out{};
  const auto all = T::get_all(m, out);
  const auto first = T::get_from(m);
  if (!all) {
    // Missing for one means missing for the other; a bad later attribute fails only
    // get_all.
    if (all.error() == AttrError::Missing) {
      TERN_FUZZ_CHECK(!first && first.error() == AttrError::Missing);
    }
    return;
  }
  TERN_FUZZ_CHECK(*all >= 1);
  TERN_FUZZ_CHECK(first.ok() && *first == out[0]);
}

template <typename... T>
void check_getters_of(const MessageView& m, std::span<uint8_t> scratch) {
  (check_getter<T>(m, scratch), ...);
}

void check_getters(const MessageView& m, std::span<uint8_t> scratch) {
  check_getters_of<XorMappedAddress, XorPeerAddress, XorRelayedAddress, MappedAddress,
                   AlternateServer, ResponseOrigin, OtherAddress>(m, scratch);
  check_get_all<XorPeerAddress>(m);
  check_get_all<XorRelayedAddress>(m);
  check_getters_of<Username, Realm, Nonce, Software, AlternateDomain, ErrorCodeAttribute,
                   UnknownAttributes, PasswordAlgorithm, PasswordAlgorithms, Userhash>(m, scratch);
  check_getters_of<ChannelNumber, Lifetime, DataAttribute, EvenPort, RequestedTransport,
                   DontFragment, ReservationToken, Icmp, ConnectionId, RequestedAddressFamily,
                   AdditionalAddressFamily, AddressErrorCode>(m, scratch);
  check_getters_of<ChangeRequest, ResponsePort, PaddingAttribute>(m, scratch);
}

// The RFC 5769 short-term password: the seeds' integrity verifies with it.
constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
std::span<const uint8_t> key() {
  return {reinterpret_cast<const uint8_t*>(kPassword.data()), kPassword.size()};
}

// Verifying hostile input must not crash; a message rebuilt from the input's attributes
// and then protected must verify, both HMACs and the CRC.
void check_integrity(const MessageView& m, std::span<uint8_t> scratch) {
  (void)verify_message_integrity(m, key());
  (void)verify_message_integrity_sha256(m, key());
  if (verify_fingerprint(m)) TERN_FUZZ_CHECK(has_fingerprint(m));

  MessageBuilder b(scratch, m.type(), m.transaction_id());
  size_t copied = 0;
  for (size_t i = 0; i < m.attribute_count() && copied + 3 < MessageView::kMaxAttributes; ++i) {
    const Attribute a = m.attribute(i);
    if (a.type == attr::MessageIntegrity || a.type == attr::MessageIntegritySha256 ||
        a.type == attr::Fingerprint) {
      continue;
    }
    b.add(a.type, a.value);
    ++copied;
  }
  add_message_integrity(b, key());
  add_message_integrity_sha256(b, key());
  add_fingerprint(b);
  if (!b.ok()) return;
  const auto rebuilt = MessageView::parse(b.bytes());
  TERN_FUZZ_CHECK(rebuilt.ok());
  TERN_FUZZ_CHECK(verify_message_integrity(*rebuilt, key()));
  TERN_FUZZ_CHECK(verify_message_integrity_sha256(*rebuilt, key()));
  TERN_FUZZ_CHECK(verify_fingerprint(*rebuilt));
}

void check_stun(std::span<const uint8_t> input, std::span<uint8_t> scratch) {
  const auto strict = MessageView::parse(input);
  const auto lenient = MessageView::parse(input, ParseOptions{.allow_rfc3489 = true});
  // RFC 3489 compatibility only ever adds messages without the cookie.
  if (strict) {
    TERN_FUZZ_CHECK(lenient.ok() && strict->has_magic_cookie());
    TERN_FUZZ_CHECK(lenient->attribute_count() == strict->attribute_count());
  }
  if (lenient && lenient->has_magic_cookie()) TERN_FUZZ_CHECK(strict.ok());
  if (lenient) {
    const auto header = peek_header(input);
    TERN_FUZZ_CHECK(header && header->length + kHeaderSize == input.size());
    TERN_FUZZ_CHECK(header->type == lenient->type());
    check_attribute_walk(*lenient);
    check_getters(*lenient, scratch);
    check_integrity(*lenient, scratch);
  }
}

void check_channel_data(std::span<const uint8_t> input) {
  const auto cd = parse_channel_data(input);
  if (!cd) return;
  TERN_FUZZ_CHECK(is_valid_channel(cd->channel));
  TERN_FUZZ_CHECK(cd->data.data() == input.data() + kChannelDataHeaderSize);
  TERN_FUZZ_CHECK(inside(cd->data, input));
  // Writing what was read reproduces the input's header and data byte for byte.
  std::array<uint8_t, 65540> out;
  const size_t n = write_channel_data(out, cd->channel, cd->data, /*pad=*/false);
  TERN_FUZZ_CHECK(n == kChannelDataHeaderSize + cd->data.size());
  TERN_FUZZ_CHECK(
      std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), input.begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  // Room for any rebuilt message: the input's attributes plus both HMACs and the CRC.
  std::vector<uint8_t> scratch(size + 128);
  check_stun(input, scratch);
  check_channel_data(input);
  return 0;
}
