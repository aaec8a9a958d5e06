// A TCP client as ternd's StreamConnection sees it: the real connection and dispatcher
// (STUN only, no TURN context) behind one end of a libevent bufferevent pair, the fuzzer
// at the other end. The input is a script: chunks of any size (frames up to 64 KiB cut
// anywhere), a chunk repeated many times (enough to fill the connection's output and make
// it pause reading), and the client stopping and starting to read. The checks: how the
// bytes were cut never matters (the connection closes exactly when one pass of the
// splitter over everything sent finds an invalid frame, and otherwise consumes every
// whole frame once the client reads again), and what comes back is STUN responses to the
// requests sent, in order.

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/libevent.h"
#include "protocol/message.h"
#include "protocol/stream_splitter.h"
#include "server/core/counters.h"
#include "server/worker/dispatcher.h"
#include "server/worker/stream_connection.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;

constexpr size_t kMaxFrame = 65535 + 20;  // what StreamConnection accepts
constexpr size_t kMaxSent = 2 << 20;      // bounds one input's work
constexpr size_t kScratchSize = 65536 + 1024;

using TransactionId = std::array<uint8_t, 12>;

TransactionId transaction_of(std::span<const uint8_t> frame) {
  TransactionId id{};
  std::copy(frame.begin() + 8, frame.begin() + 20, id.begin());
  return id;
}

// One pass of the splitter over the whole stream: what any cutting must agree with.
struct Reference {
  std::vector<TransactionId> requests;  // of the STUN requests, in order
  bool invalid = false;
  size_t leftover = 0;  // a partial frame at the end
};

Reference split_all(std::span<const uint8_t> sent, stun::ChannelRange range) {
  Reference r;
  while (true) {
    const auto frame = stun::next_frame(sent, kMaxFrame, range);
    if (!frame) {
      r.invalid = frame.error() == stun::SplitStatus::Invalid;
      r.leftover = sent.size();
      return r;
    }
    if (frame->kind == stun::FrameKind::Stun && (sent[0] & 0x01) == 0 && (sent[1] & 0x10) == 0) {
      r.requests.push_back(transaction_of(sent));
    }
    sent = sent.subspan(frame->size);
  }
}

class Harness {
 public:
  explicit Harness(stun::ChannelRange range)
      : base_(event_base_new()),
        dispatcher_(DispatchOptions{.channels = range, .limits = &limits_}, counters_) {
    std::array<bufferevent*, 2> pair{};
    TERN_FUZZ_CHECK(bufferevent_pair_new(base_.get(), BEV_OPT_DEFER_CALLBACKS, pair.data()) == 0);
    server_bev_ = pair[0];
    client_.reset(pair[1]);
    bufferevent_enable(client_.get(), EV_READ | EV_WRITE);
    RequestContext ctx;
    ctx.transport = Transport::Tcp;
    ctx.client = TransportAddress::v4({127, 0, 0, 1}, 40000);
    ctx.local = TransportAddress::v4({127, 0, 0, 1}, 3478);
    connection_ = std::make_unique<StreamConnection>(
        BufferEventPtr(pair[0]), ctx, dispatcher_, scratch_, counters_, settings_, StreamSlot(),
        [this](StreamConnection*) { connection_.reset(); });
  }
  ~Harness() {
    // The connection goes first: its bufferevent's partner is still alive.
    connection_.reset();
  }

  void send(std::span<const uint8_t> bytes) {
    sent_.insert(sent_.end(), bytes.begin(), bytes.end());
    if (alive()) bufferevent_write(client_.get(), bytes.data(), bytes.size());
    settle();
  }
  void set_reading(bool on) {
    if (on) {
      bufferevent_enable(client_.get(), EV_READ);
    } else {
      bufferevent_disable(client_.get(), EV_READ);
    }
    settle();
  }
  size_t sent() const { return sent_.size(); }
  bool alive() const { return connection_ != nullptr; }

  void check(stun::ChannelRange range) {
    set_reading(true);
    const Reference ref = split_all(sent_, range);
    TERN_FUZZ_CHECK(alive() == !ref.invalid);
    if (alive()) {
      TERN_FUZZ_CHECK(evbuffer_get_length(bufferevent_get_input(server_bev_)) == ref.leftover);
      TERN_FUZZ_CHECK(bufferevent_get_enabled(server_bev_) & EV_READ);
    }
    check_responses(ref);
  }

 private:
  // Runs the loop until nothing moves any more: deferred callbacks schedule others.
  void settle() {
    for (int i = 0; i < 10000; ++i) {
      const size_t before = progress();
      event_base_loop(base_.get(), EVLOOP_NONBLOCK);
      if (progress() == before) return;
    }
    TERN_FUZZ_CHECK(!"the connection never settled");
  }
  size_t progress() const {
    size_t n = evbuffer_get_length(bufferevent_get_input(client_.get())) + (alive() ? 1 : 0);
    if (alive()) n += evbuffer_get_length(bufferevent_get_input(server_bev_)) * 3;
    return n;
  }

  void check_responses(const Reference& ref) {
    evbuffer* in = bufferevent_get_input(client_.get());
    const size_t n = evbuffer_get_length(in);
    std::span<const uint8_t> received(evbuffer_pullup(in, static_cast<ev_ssize_t>(n)), n);
    size_t next_request = 0;
    while (!received.empty()) {
      const auto frame = stun::next_frame(received);
      TERN_FUZZ_CHECK(frame && frame->kind == stun::FrameKind::Stun);
      const auto m = stun::MessageView::parse(received.first(frame->size));
      TERN_FUZZ_CHECK(m.ok());
      TERN_FUZZ_CHECK(m->message_class() == stun::Class::SuccessResponse ||
                      m->message_class() == stun::Class::ErrorResponse);
      // Responses answer requests in the order they came, none twice.
      const TransactionId id = transaction_of(received);
      while (next_request < ref.requests.size() && ref.requests[next_request] != id) ++next_request;
      TERN_FUZZ_CHECK(next_request < ref.requests.size());
      ++next_request;
      received = received.subspan(frame->size);
    }
  }

  EventBasePtr base_;
  WorkerCounters counters_;
  // No per-source answer limits, caps or deadlines: the fuzzer checks framing, and every
  // request must be answered for its order check.
  UnauthenticatedLimits limits_{0, 0};
  StreamSettings settings_{0, 0, 0, 0, 0};
  Dispatcher dispatcher_;
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kScratchSize);
  BufferEventPtr client_;
  bufferevent* server_bev_ = nullptr;  // owned by the connection
  std::unique_ptr<StreamConnection> connection_;
  std::vector<uint8_t> sent_;
};

// The script, record after record (simple enough to write seeds by hand, see
// make_corpus.py):
//   op & 3 == 0 or 1: a chunk; 3 bytes of big-endian length, then that many bytes
//   op & 3 == 2: a burst; 1 byte of length, 2 bytes of count, the chunk
//   op & 3 == 3: the client reads (op & 4) or stops reading
// The first byte picks the channel range: RFC 8656's (odd) or RFC 5766's.
class Script {
 public:
  explicit Script(std::span<const uint8_t> bytes) : rest_(bytes) {}
  bool empty() const { return rest_.empty(); }
  uint8_t byte() { return take(1).empty() ? 0 : consumed_[0]; }
  size_t number(size_t width) {
    size_t n = 0;
    for (uint8_t b : take(width)) n = (n << 8) | b;
    return n;
  }
  std::span<const uint8_t> take(size_t n) {
    n = std::min(n, rest_.size());
    consumed_ = rest_.first(n);
    rest_ = rest_.subspan(n);
    return consumed_;
  }

 private:
  std::span<const uint8_t> rest_;
  std::span<const uint8_t> consumed_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script script(std::span(data, size));
  const auto range =
      (script.byte() & 1) ? stun::ChannelRange::Rfc8656 : stun::ChannelRange::Rfc5766;
  Harness h(range);
  while (!script.empty() && h.sent() < kMaxSent) {
    const uint8_t op = script.byte();
    switch (op & 3) {
      case 0:
      case 1:
        h.send(script.take(script.number(3)));
        break;
      case 2: {
        const size_t length = script.number(1);
        const size_t times = script.number(2);
        const auto chunk = script.take(length);
        std::vector<uint8_t> burst;
        for (size_t i = 0; i < times && burst.size() + chunk.size() <= kMaxSent; ++i) {
          burst.insert(burst.end(), chunk.begin(), chunk.end());
        }
        h.send(burst);
        break;
      }
      case 3:
        h.set_reading((op & 4) != 0);
        break;
    }
  }
  h.check(range);
  return 0;
}
