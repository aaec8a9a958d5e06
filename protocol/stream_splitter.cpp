#include "protocol/stream_splitter.h"

#include <algorithm>
#include <array>

#include "protocol/byte_order.h"
#include "protocol/channel_data.h"
#include "protocol/message.h"

namespace tern::stun {

const char* to_string(SplitStatus s) {
  switch (s) {
    case SplitStatus::NeedMore:
      return "need more bytes";
    case SplitStatus::Invalid:
      return "neither STUN nor ChannelData";
  }
  return "unknown split status";
}

namespace {

Result<Frame, SplitStatus> need_more() {
  return unexpected(SplitStatus::NeedMore);
}
Result<Frame, SplitStatus> invalid() {
  return unexpected(SplitStatus::Invalid);
}

// The whole frame once `size` bytes are buffered; a size over the limit is refused
// before waiting for a body that would never fit the caller's buffer.
Result<Frame, SplitStatus> frame_of(FrameKind kind, size_t size, size_t buffered,
                                    size_t max_frame) {
  if (size > max_frame) return invalid();
  if (buffered < size) return need_more();
  return Frame{kind, size};
}

Result<Frame, SplitStatus> next_channel_data(std::span<const uint8_t> b, size_t max_frame,
                                             ChannelRange range) {
  // The first byte alone rules out channels above the range (0x50..0x7F for RFC 8656).
  if (b[0] > (max_channel(range) >> 8)) return invalid();
  if (b.size() < kChannelDataHeaderSize) return need_more();
  const uint16_t length = load_u16(b.data() + 2);
  return frame_of(FrameKind::ChannelData, channel_data_size(length, /*pad=*/true), b.size(),
                  max_frame);
}

// Checks as much of the STUN header as has arrived (length a multiple of 4, the magic
// cookie), so garbage closes the connection now instead of after 20 bytes that may
// never come.
bool header_prefix_plausible(std::span<const uint8_t> b) {
  if (b.size() >= 4 && load_u16(b.data() + 2) % 4 != 0) return false;
  if (b.size() <= 4) return true;
  std::array<uint8_t, 4> cookie{};
  store_u32(cookie.data(), kMagicCookie);
  const auto seen = b.subspan(4, std::min<size_t>(b.size() - 4, cookie.size()));
  return std::ranges::equal(seen, std::span(cookie).first(seen.size()));
}

Result<Frame, SplitStatus> next_stun(std::span<const uint8_t> b, size_t max_frame) {
  if (!header_prefix_plausible(b)) return invalid();
  if (b.size() >= 4 && kHeaderSize + load_u16(b.data() + 2) > max_frame) return invalid();
  const auto header = peek_header(b);
  if (!header) return need_more();  // the first two bits are 00, so it is only short
  return frame_of(FrameKind::Stun, kHeaderSize + header->length, b.size(), max_frame);
}

}  // namespace

Result<Frame, SplitStatus> next_frame(std::span<const uint8_t> buffered, size_t max_frame,
                                      ChannelRange range) {
  if (buffered.empty()) return need_more();
  switch (buffered[0] >> 6) {
    case 0b00:
      return next_stun(buffered, max_frame);
    case 0b01:
      return next_channel_data(buffered, max_frame, range);
    default:
      return invalid();
  }
}

}  // namespace tern::stun
