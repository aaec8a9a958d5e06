#pragma once
// ChannelData messages (RFC 8656 §12.4): a 4-byte header (channel number, length) in
// front of application data, the cheap path for relayed traffic once a channel is bound.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/byte_order.h"
#include "protocol/result.h"

namespace tern::stun {

inline constexpr uint16_t kMinChannel = 0x4000, kMaxChannel = 0x4FFF;
inline constexpr size_t kChannelDataHeaderSize = 4;

// 0x5000..0x7FFF also start with the bits 01 but are reserved (RFC 8656 §12): a client
// may not bind them, and a server drops ChannelData that uses them (§12.6). RFC 5766
// allowed them, and coturn and its clients (turnutils_uclient picks from 0x4000..0x7FFF)
// still use them, so a server may choose to accept the older range.
enum class ChannelRange : uint8_t {
  Rfc8656,  // 0x4000..0x4FFF
  Rfc5766,  // 0x4000..0x7FFF
};
constexpr uint16_t max_channel(ChannelRange r) {
  return r == ChannelRange::Rfc8656 ? kMaxChannel : 0x7FFF;
}
constexpr bool is_valid_channel(uint16_t n, ChannelRange r = ChannelRange::Rfc8656) {
  return n >= kMinChannel && n <= max_channel(r);
}

struct ChannelDataView {
  uint16_t channel;
  std::span<const uint8_t> data;  // exactly `length` bytes; padding is not part of it
};

enum class ChannelDataError : uint8_t {
  TooShort,    // fewer than 4 bytes
  BadChannel,  // first two bits not 01, or a reserved channel 0x5000..0x7FFF
  Truncated,   // the length field claims more than the datagram holds
};
const char* to_string(ChannelDataError e);

// Parses one ChannelData message at the front of `bytes`. Bytes after the data are
// ignored: over UDP the padding may be absent or the datagram longer (RFC 8656 §12.5),
// and over TCP the stream splitter has already cut the frame, padding included.
Result<ChannelDataView, ChannelDataError> parse_channel_data(
    std::span<const uint8_t> bytes, ChannelRange range = ChannelRange::Rfc8656);

// Bytes a ChannelData message of `data_length` takes on the wire.
constexpr size_t channel_data_size(size_t data_length, bool pad) {
  return kChannelDataHeaderSize + (pad ? padded4(data_length) : data_length);
}

// Writes header + data (+ zero padding to a multiple of 4 when `pad`; always pad over
// TCP/TLS) into `out`. Returns the bytes written, or 0 when `out` is too small, the data
// does not fit the 16-bit length, or the channel is not 0x4000..0x4FFF.
size_t write_channel_data(std::span<uint8_t> out, uint16_t channel, std::span<const uint8_t> data,
                          bool pad, ChannelRange range = ChannelRange::Rfc8656);

// Writes only the header, for data already in place behind it (zero-copy relay: the
// peer's datagram is received at offset 4 of the buffer). Padding, if any, is the
// caller's. Returns kChannelDataHeaderSize.
size_t write_channel_data_header(std::span<uint8_t, kChannelDataHeaderSize> out, uint16_t channel,
                                 uint16_t length);

}  // namespace tern::stun
