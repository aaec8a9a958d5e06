// Everything that reads one datagram from the network: the STUN message view (strict and
// RFC 3489-lenient), the attribute walk, and ChannelData. Beyond "no crash", it checks
// what callers rely on: views stay inside the input, the first duplicate wins, and
// ChannelData written back from what was read is the same bytes.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/channel_data.h"
#include "protocol/message.h"
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

void check_stun(std::span<const uint8_t> input) {
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
  check_stun(input);
  check_channel_data(input);
  return 0;
}
