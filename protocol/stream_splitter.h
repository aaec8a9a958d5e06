#pragma once
// Cuts a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8656 §12.5:
// over a stream both share one connection and are told apart by their first two bits).
// A pure function of the bytes buffered so far: the connection owns the buffer, calls
// next_frame, consumes Frame::size bytes and calls again.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/channel_data.h"
#include "protocol/result.h"

namespace tern::stun {

enum class FrameKind : uint8_t { Stun, ChannelData };

struct Frame {
  FrameKind kind;
  size_t size;  // bytes to consume: the whole message, ChannelData padding included
};

enum class SplitStatus : uint8_t {
  NeedMore,  // a partial header or body: wait for more bytes
  Invalid,   // these bytes can never become a frame: close the connection
};
const char* to_string(SplitStatus s);

// The largest STUN message (20 + 65532) and the largest padded ChannelData (4 + 65536)
// both fit.
inline constexpr size_t kDefaultMaxFrame = 65535 + 20;

// Looks at the front of `buffered`. Invalid as soon as the bytes at hand prove it: first
// two bits 10 or 11; a channel outside 0x4000..0x4FFF; a STUN length not a multiple of 4
// or without the magic cookie (RFC 3489 had no stream transport); or a frame larger than
// `max_frame`. There is no resynchronising after a bad frame, so a stream is never
// silently misread: the caller closes it.
Result<Frame, SplitStatus> next_frame(std::span<const uint8_t> buffered,
                                      size_t max_frame = kDefaultMaxFrame,
                                      ChannelRange range = ChannelRange::Rfc8656);

}  // namespace tern::stun
