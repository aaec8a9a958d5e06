#pragma once
// max-bps (coturn's meaning: "max bytes-per-second bandwidth a TURN session is allowed to
// handle; input and output network streams are treated separately"): one token bucket per
// allocation and direction. Driven by the millisecond clock the packet path already has,
// so a packet costs a few integer operations and no syscall.

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tern {

class TokenBucket {
 public:
  // The largest payload one datagram or ChannelData frame can carry. The bucket holds at
  // least this much, or a cap below it would silently drop every packet of that size.
  static constexpr uint64_t kMinBurst = 65535;
  // Higher rates are this one: no link carries it, and the arithmetic below stays far from
  // overflow (1000 * burst fits in 64 bits with room to spare).
  static constexpr uint64_t kMaxRate = uint64_t{1} << 40;

  TokenBucket() = default;
  // Unlimited when `bytes_per_s` is 0. Starts full.
  TokenBucket(uint64_t bytes_per_s, int64_t now_ms) { set_rate(bytes_per_s, now_ms); }

  // A limited bucket keeps what it holds (up to the new burst) when its rate changes:
  // changing a cap neither grants a fresh burst nor takes away one already earned. One
  // that was unlimited starts full.
  void set_rate(uint64_t bytes_per_s, int64_t now_ms) {
    refill(now_ms);
    const bool was_unlimited = rate_ == 0;
    rate_ = std::min(bytes_per_s, kMaxRate);
    capacity_ = std::max(rate_, kMinBurst) * 1000;  // about one second's worth
    level_ = was_unlimited ? capacity_ : std::min(level_, capacity_);
    last_ms_ = now_ms;
  }
  uint64_t rate() const { return rate_; }
  bool unlimited() const { return rate_ == 0; }

  // A stream's share: as many of `bytes` as the bucket holds, taken (all when unlimited).
  size_t take_up_to(size_t bytes, int64_t now_ms) {
    if (rate_ == 0) return bytes;
    refill(now_ms);
    const size_t granted = static_cast<size_t>(std::min<uint64_t>(bytes, level_ / 1000));
    level_ -= uint64_t{granted} * 1000;
    return granted;
  }

  // Takes `bytes` when the bucket holds them; false (nothing taken) means drop the packet.
  bool try_take(size_t bytes, int64_t now_ms) {
    if (rate_ == 0) return true;
    refill(now_ms);
    const uint64_t cost = uint64_t{bytes} * 1000;
    if (cost > level_) return false;
    level_ -= cost;
    return true;
  }

 private:
  void refill(int64_t now_ms) {
    if (rate_ == 0 || now_ms <= last_ms_) return;
    const uint64_t elapsed = static_cast<uint64_t>(now_ms - last_ms_);
    last_ms_ = now_ms;
    // Filling from empty takes at most (capacity / rate) ms; past that the bucket is full,
    // and stopping there keeps rate * elapsed from overflowing after a long idle.
    const uint64_t room = capacity_ - level_;
    level_ =
        elapsed >= room / rate_ + 1 ? capacity_ : std::min(capacity_, level_ + rate_ * elapsed);
  }

  uint64_t rate_ = 0;  // bytes per second
  // In thousandths of a byte: a rate in bytes per second adds exactly `rate_` per
  // millisecond, so slow rates lose nothing to rounding between close packets.
  uint64_t capacity_ = 0;
  uint64_t level_ = 0;
  int64_t last_ms_ = 0;
};

}  // namespace tern
