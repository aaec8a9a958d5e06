// A TCP/TLS receive buffer: cut frames off the front with next_frame as a connection
// does, and parse each. Checks that the splitter and the parsers agree: a STUN frame has
// a header MessageView accepts, a ChannelData frame parses and its padding is what
// RFC 8656 §12.5 says, and a smaller max_frame never changes a frame that fits it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/channel_data.h"
#include "protocol/message.h"
#include "protocol/stream_splitter.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;
using namespace tern::stun;

// A typical connection buffer: frames above it must be Invalid, never NeedMore forever.
constexpr size_t kSmallMaxFrame = 1500;

void check_stun_frame(std::span<const uint8_t> frame) {
  const auto m = MessageView::parse(frame);
  // The splitter vouched for the header; only the attributes can still be wrong.
  TERN_FUZZ_CHECK(m.ok() || m.error() == ParseError::TruncatedAttribute ||
                  m.error() == ParseError::TooManyAttributes);
  if (m) TERN_FUZZ_CHECK(m->bytes().size() == frame.size());
}

void check_channel_data_frame(std::span<const uint8_t> frame) {
  const auto cd = parse_channel_data(frame);
  TERN_FUZZ_CHECK(cd.ok());
  TERN_FUZZ_CHECK(frame.size() == channel_data_size(cd->data.size(), /*pad=*/true));
}

void check_limits_agree(std::span<const uint8_t> rest, const Result<Frame, SplitStatus>& full) {
  const auto small = next_frame(rest, kSmallMaxFrame);
  if (small) {
    TERN_FUZZ_CHECK(full.ok() && full->kind == small->kind && full->size == small->size);
    TERN_FUZZ_CHECK(small->size <= kSmallMaxFrame);
  } else if (full) {
    TERN_FUZZ_CHECK(full->size > kSmallMaxFrame && small.error() == SplitStatus::Invalid);
  } else if (full.error() == SplitStatus::Invalid) {
    TERN_FUZZ_CHECK(small.error() == SplitStatus::Invalid);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> rest(data, size);
  while (true) {
    const auto r = next_frame(rest);
    check_limits_agree(rest, r);
    if (!r) {
      // NeedMore must mean more bytes could still make a frame: never on a full buffer.
      TERN_FUZZ_CHECK(r.error() == SplitStatus::Invalid || rest.size() < kDefaultMaxFrame);
      break;
    }
    TERN_FUZZ_CHECK(r->size > 0 && r->size <= rest.size());
    const auto frame = rest.first(r->size);
    // One byte fewer is never a frame: a frame ends exactly where its length says.
    const auto shorter = next_frame(frame.first(frame.size() - 1));
    TERN_FUZZ_CHECK(!shorter && shorter.error() == SplitStatus::NeedMore);
    if (r->kind == FrameKind::Stun) {
      check_stun_frame(frame);
    } else {
      check_channel_data_frame(frame);
    }
    rest = rest.subspan(r->size);
  }
  return 0;
}
