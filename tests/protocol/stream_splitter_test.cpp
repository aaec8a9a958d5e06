#include "protocol/stream_splitter.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/channel_data.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

std::vector<uint8_t> stun_message(std::string_view software) {
  std::vector<uint8_t> buf(256);
  MessageBuilder b(buf, Method::Binding, Class::Request, kTid);
  b.add(attr::Software, software);
  b.add_u32(attr::Lifetime, 600);
  EXPECT_TRUE(b.ok());
  buf.resize(b.size());
  return buf;
}

std::vector<uint8_t> channel_data(uint16_t channel, size_t length, bool pad) {
  std::vector<uint8_t> data(length);
  for (size_t i = 0; i < length; ++i) data[i] = static_cast<uint8_t>(0xC0 + i);
  std::vector<uint8_t> out(channel_data_size(length, pad));
  EXPECT_EQ(write_channel_data(out, channel, data, pad), out.size());
  return out;
}

void append(std::vector<uint8_t>& to, const std::vector<uint8_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::vector<uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

SplitStatus status_of(std::span<const uint8_t> b, size_t max_frame = kDefaultMaxFrame) {
  const auto r = next_frame(b, max_frame);
  EXPECT_FALSE(r.ok()) << "got a frame of " << (r.ok() ? r->size : 0);
  return r.ok() ? SplitStatus::NeedMore : r.error();
}

// A receive loop as a connection would run it: append what arrived, cut every whole
// frame off the front, keep the rest. Returns the frames cut, or stops at Invalid.
struct Split {
  std::vector<Frame> frames;
  std::vector<std::vector<uint8_t>> contents;
  bool invalid = false;
  size_t left_over = 0;
};
Split split_in_chunks(const std::vector<uint8_t>& stream, size_t chunk) {
  Split out;
  std::vector<uint8_t> buffer;
  for (size_t pos = 0; pos < stream.size() && !out.invalid; pos += chunk) {
    const auto end =
        stream.begin() + static_cast<std::ptrdiff_t>(std::min(pos + chunk, stream.size()));
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(pos), end);
    for (;;) {
      const auto r = next_frame(buffer);
      if (!r.ok()) {
        out.invalid = r.error() == SplitStatus::Invalid;
        break;
      }
      out.frames.push_back(*r);
      out.contents.emplace_back(buffer.begin(),
                                buffer.begin() + static_cast<std::ptrdiff_t>(r->size));
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r->size));
    }
  }
  out.left_over = buffer.size();
  return out;
}

TEST(StreamSplitter, Empty_NeedsMore) {
  EXPECT_EQ(status_of({}), SplitStatus::NeedMore);
}

TEST(StreamSplitter, WholeStunMessage_IsOneFrame) {
  const auto msg = stun_message("tern");
  const auto r = next_frame(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::Stun);
  EXPECT_EQ(r->size, msg.size());
}

TEST(StreamSplitter, StunHeaderOnly_IsAFrameOfTwentyBytes) {
  std::vector<uint8_t> buf(20);
  MessageBuilder b(buf, Method::Binding, Class::Request, kTid);
  const auto r = next_frame(buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, 20u);
}

TEST(StreamSplitter, StunMessage_EveryStrictPrefix_NeedsMore) {
  const auto msg = stun_message("tern");
  for (size_t n = 0; n < msg.size(); ++n) {
    EXPECT_EQ(status_of(std::span(msg).first(n)), SplitStatus::NeedMore) << n;
  }
}

TEST(StreamSplitter, StunFollowedByMore_FrameStopsAtItsLength) {
  auto stream = stun_message("a");
  const size_t first = stream.size();
  append(stream, channel_data(0x4000, 3, true));
  const auto r = next_frame(stream);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, first);
}

TEST(StreamSplitter, ChannelDataPadded_FrameIncludesPadding) {
  const auto frame = channel_data(0x4001, 5, /*pad=*/true);
  ASSERT_EQ(frame.size(), 12u);
  const auto r = next_frame(frame);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::ChannelData);
  EXPECT_EQ(r->size, 12u);
}

TEST(StreamSplitter, ChannelDataLengthMultipleOfFour_HasNoPadding) {
  const auto frame = channel_data(0x4FFF, 8, /*pad=*/true);
  ASSERT_EQ(frame.size(), 12u);
  const auto r = next_frame(frame);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, 12u);
}

TEST(StreamSplitter, ChannelDataEmpty_IsHeaderOnly) {
  const auto r = next_frame(bytes({0x40, 0x00, 0x00, 0x00}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, FrameKind::ChannelData);
  EXPECT_EQ(r->size, 4u);
}

TEST(StreamSplitter, ChannelDataWithoutItsPadding_NeedsMore) {
  // Over TCP/TLS the padding is mandatory (RFC 8656 §12.5): the data alone is not a frame.
  const auto frame = channel_data(0x4001, 5, /*pad=*/false);
  EXPECT_EQ(status_of(frame), SplitStatus::NeedMore);
}

TEST(StreamSplitter, ChannelData_EveryStrictPrefix_NeedsMore) {
  const auto frame = channel_data(0x4001, 7, true);
  for (size_t n = 0; n < frame.size(); ++n) {
    EXPECT_EQ(status_of(std::span(frame).first(n)), SplitStatus::NeedMore) << n;
  }
}

TEST(StreamSplitter, ChannelDataNumberAbove4FFF_IsInvalidFromTheFirstByte) {
  for (int first : {0x50, 0x5F, 0x7F}) {
    EXPECT_EQ(status_of(bytes({first})), SplitStatus::Invalid) << first;
    EXPECT_EQ(status_of(bytes({first, 0x00, 0x00, 0x00})), SplitStatus::Invalid) << first;
  }
}

TEST(StreamSplitter, FirstBits10Or11_IsInvalidFromTheFirstByte) {
  for (int first : {0x80, 0xBF, 0xC0, 0xFF}) {
    EXPECT_EQ(status_of(bytes({first})), SplitStatus::Invalid) << first;
  }
}

TEST(StreamSplitter, StunLengthNotMultipleOfFour_IsInvalidOnceLengthArrives) {
  const auto header = bytes({0x00, 0x01, 0x00, 0x05});
  EXPECT_EQ(status_of(std::span(header).first(3)), SplitStatus::NeedMore);
  EXPECT_EQ(status_of(header), SplitStatus::Invalid);
}

TEST(StreamSplitter, StunWithoutMagicCookie_IsInvalidAtTheFirstWrongByte) {
  auto msg = stun_message("tern");
  msg[6] ^= 0xFF;  // third cookie byte
  EXPECT_EQ(status_of(std::span(msg).first(6)), SplitStatus::NeedMore);
  EXPECT_EQ(status_of(std::span(msg).first(7)), SplitStatus::Invalid);
  EXPECT_EQ(status_of(msg), SplitStatus::Invalid);
}

TEST(StreamSplitter, Rfc3489MessageWithoutCookie_IsInvalid) {
  std::vector<uint8_t> msg(20, 0x77);
  msg[0] = 0x00;
  msg[1] = 0x01;
  msg[2] = 0x00;
  msg[3] = 0x00;
  EXPECT_EQ(status_of(msg), SplitStatus::Invalid);
}

TEST(StreamSplitter, HttpPost_IsInvalid) {
  // 'P' is 0x50: the first bits say ChannelData, the number is a reserved one.
  const std::string_view http = "POST / HTTP/1.1\r\n";
  EXPECT_EQ(status_of(std::span(reinterpret_cast<const uint8_t*>(http.data()), http.size())),
            SplitStatus::Invalid);
}

TEST(StreamSplitter, HttpGet_LooksLikeChannelData_IsCaughtByMaxFrame) {
  // "GET " is channel 0x4745 with length 0x5420: well-formed so far, which is why a
  // server passes its receive buffer size as max_frame.
  const std::string_view http = "GET / HTTP/1.1\r\n";
  const std::span<const uint8_t> buf(reinterpret_cast<const uint8_t*>(http.data()), http.size());
  EXPECT_EQ(status_of(buf), SplitStatus::NeedMore);
  EXPECT_EQ(status_of(buf, /*max_frame=*/4096), SplitStatus::Invalid);
}

TEST(StreamSplitter, TlsClientHelloOnPlainPort_IsInvalid) {
  // A TLS record header: 16 03 01 <len>; its first bits are 00, so it reads as STUN with
  // a wrong cookie.
  const auto hello = bytes({0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03});
  EXPECT_EQ(status_of(hello), SplitStatus::Invalid);
}

TEST(StreamSplitter, StunLargerThanMaxFrame_IsInvalidBeforeTheBody) {
  const auto header = bytes({0x00, 0x01, 0x01, 0x00});  // claims 256 bytes of attributes
  EXPECT_EQ(status_of(header, /*max_frame=*/200), SplitStatus::Invalid);
  EXPECT_EQ(status_of(header, /*max_frame=*/276), SplitStatus::NeedMore);
}

TEST(StreamSplitter, ChannelDataLargerThanMaxFrame_IsInvalidBeforeTheBody) {
  const auto header = bytes({0x40, 0x00, 0xFF, 0xFF});
  EXPECT_EQ(status_of(header, /*max_frame=*/1500), SplitStatus::Invalid);
  EXPECT_EQ(status_of(header), SplitStatus::NeedMore);  // 4 + 65536 fits the default
}

TEST(StreamSplitter, LargestFramesFitTheDefaultLimit) {
  std::vector<uint8_t> stun(20 + 65532);
  MessageBuilder b(stun, Method::Binding, Class::Request, kTid);
  b.append(attr::Data, 65532 - 4);
  ASSERT_TRUE(b.ok());
  const auto r = next_frame(stun);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, stun.size());

  const auto cd = channel_data(0x4000, 65535, true);
  const auto c = next_frame(cd);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size, 65540u);
}

TEST(StreamSplitter, MaxFrameExactlyTheFrameSize_IsAccepted) {
  const auto frame = channel_data(0x4000, 5, true);
  const auto r = next_frame(frame, frame.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(status_of(frame, frame.size() - 1), SplitStatus::Invalid);
}

std::vector<uint8_t> mixed_stream() {
  std::vector<uint8_t> s;
  append(s, stun_message("first"));
  append(s, channel_data(0x4000, 5, true));
  append(s, channel_data(0x4FFF, 8, true));
  append(s, stun_message("second message"));
  append(s, channel_data(0x4123, 0, true));
  append(s, channel_data(0x4001, 1, true));
  append(s, stun_message(""));
  return s;
}

TEST(StreamSplitter, ConcatenatedMessages_AllAtOnce_SplitExactly) {
  const auto s = mixed_stream();
  const auto split = split_in_chunks(s, s.size());
  EXPECT_FALSE(split.invalid);
  EXPECT_EQ(split.left_over, 0u);
  ASSERT_EQ(split.frames.size(), 7u);
  const FrameKind expected[] = {FrameKind::Stun, FrameKind::ChannelData, FrameKind::ChannelData,
                                FrameKind::Stun, FrameKind::ChannelData, FrameKind::ChannelData,
                                FrameKind::Stun};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(split.frames[i].kind, expected[i]) << i;
  // Each piece parses as what the splitter said it is.
  for (size_t i = 0; i < 7; ++i) {
    if (split.frames[i].kind == FrameKind::Stun) {
      EXPECT_TRUE(MessageView::parse(split.contents[i]).ok()) << i;
    } else {
      EXPECT_TRUE(parse_channel_data(split.contents[i]).ok()) << i;
    }
  }
}

TEST(StreamSplitter, ConcatenatedMessages_FedOneByteAtATime_SplitTheSame) {
  const auto s = mixed_stream();
  const auto whole = split_in_chunks(s, s.size());
  for (size_t chunk = 1; chunk <= 13; ++chunk) {
    const auto split = split_in_chunks(s, chunk);
    EXPECT_FALSE(split.invalid) << chunk;
    EXPECT_EQ(split.left_over, 0u) << chunk;
    EXPECT_EQ(split.contents, whole.contents) << chunk;
  }
}

TEST(StreamSplitter, ConcatenatedMessages_CutAtEveryBoundary_SplitTheSame) {
  const auto s = mixed_stream();
  const auto whole = split_in_chunks(s, s.size());
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    // Two reads: everything before the cut, then the rest.
    Split split;
    std::vector<uint8_t> buffer(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(cut));
    for (int read = 0; read < 2; ++read) {
      if (read == 1)
        buffer.insert(buffer.end(), s.begin() + static_cast<std::ptrdiff_t>(cut), s.end());
      while (true) {
        const auto r = next_frame(buffer);
        if (!r.ok()) {
          ASSERT_EQ(r.error(), SplitStatus::NeedMore) << cut;
          break;
        }
        split.contents.emplace_back(buffer.begin(),
                                    buffer.begin() + static_cast<std::ptrdiff_t>(r->size));
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r->size));
      }
    }
    EXPECT_TRUE(buffer.empty()) << cut;
    EXPECT_EQ(split.contents, whole.contents) << cut;
  }
}

TEST(StreamSplitter, GarbageAfterGoodFrames_StopsTheStreamThere) {
  auto s = stun_message("ok");
  append(s, channel_data(0x4000, 2, true));
  append(s, bytes({0xFF, 0x00, 0x00, 0x00}));
  append(s, stun_message("never reached"));
  for (size_t chunk : {size_t{1}, size_t{3}, s.size()}) {
    const auto split = split_in_chunks(s, chunk);
    EXPECT_TRUE(split.invalid) << chunk;
    EXPECT_EQ(split.frames.size(), 2u) << chunk;
  }
}

}  // namespace
}  // namespace tern::stun

namespace tern::stun {
namespace {

TEST(StreamSplitter, Rfc5766Range_FramesChannel7FFF_OnlyWhenAsked) {
  const std::array<uint8_t, 8> frame{0x7F, 0xFF, 0x00, 0x04, 1, 2, 3, 4};
  auto strict = next_frame(frame);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error(), SplitStatus::Invalid);
  auto wide = next_frame(frame, kDefaultMaxFrame, ChannelRange::Rfc5766);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->size, 8u);
}

}  // namespace
}  // namespace tern::stun
