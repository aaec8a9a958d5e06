#include "protocol/channel_data.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "protocol/byte_order.h"

namespace tern::stun {

const char* to_string(ChannelDataError e) {
  switch (e) {
    case ChannelDataError::TooShort:
      return "shorter than a ChannelData header";
    case ChannelDataError::BadChannel:
      return "channel number outside 0x4000-0x4FFF";
    case ChannelDataError::Truncated:
      return "ChannelData length past the end";
  }
  return "unknown ChannelData error";
}

Result<ChannelDataView, ChannelDataError> parse_channel_data(std::span<const uint8_t> bytes,
                                                             ChannelRange range) {
  if (bytes.size() < kChannelDataHeaderSize) return unexpected(ChannelDataError::TooShort);
  const uint16_t channel = load_u16(bytes.data());
  if (!is_valid_channel(channel, range)) return unexpected(ChannelDataError::BadChannel);
  const uint16_t length = load_u16(bytes.data() + 2);
  if (length > bytes.size() - kChannelDataHeaderSize) {
    return unexpected(ChannelDataError::Truncated);
  }
  return ChannelDataView{channel, bytes.subspan(kChannelDataHeaderSize, length)};
}

size_t write_channel_data(std::span<uint8_t> out, uint16_t channel, std::span<const uint8_t> data,
                          bool pad, ChannelRange range) {
  if (!is_valid_channel(channel, range)) return 0;
  if (data.size() > std::numeric_limits<uint16_t>::max()) return 0;
  const size_t total = channel_data_size(data.size(), pad);
  if (out.size() < total) return 0;
  write_channel_data_header(out.first<kChannelDataHeaderSize>(), channel,
                            static_cast<uint16_t>(data.size()));
  auto tail = std::ranges::copy(data, out.begin() + kChannelDataHeaderSize).out;
  // Padding is zeroed, never left as whatever the buffer held before.
  std::fill(tail, out.begin() + static_cast<std::ptrdiff_t>(total), uint8_t{0});
  return total;
}

size_t write_channel_data_header(std::span<uint8_t, kChannelDataHeaderSize> out, uint16_t channel,
                                 uint16_t length) {
  assert(is_valid_channel(channel, ChannelRange::Rfc5766));
  store_u16(out.data(), channel);
  store_u16(out.data() + 2, length);
  return kChannelDataHeaderSize;
}

}  // namespace tern::stun
