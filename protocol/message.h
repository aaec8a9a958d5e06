#pragma once
// A parsed STUN message: a bounds-checked, zero-copy view over the caller's bytes.
// RFC 8489 §5 (header), §14 (attribute walk), §14.5/§14.6 (what follows integrity).

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/result.h"
#include "protocol/stun_constants.h"

namespace tern::stun {

enum class ParseError : uint8_t {
  TooShort,            // fewer than 20 bytes
  NotStun,             // first two bits not zero
  BadMagicCookie,      // cookie missing and RFC 3489 compatibility not asked for
  BadLength,           // length not a multiple of 4, or not what the datagram holds
  TruncatedAttribute,  // an attribute runs past the end of the message
  TooManyAttributes,   // more than MessageView::kMaxAttributes
};
const char* to_string(ParseError e);

using TransactionId = std::array<uint8_t, kTransactionIdSize>;

struct Attribute {
  uint16_t type = 0;
  uint32_t offset =
      0;  // of the attribute header, from the start of the message (may pass 64 KiB over streams)
  std::span<const uint8_t> value;
};

struct ParseOptions {
  // Accept RFC 3489 messages (no magic cookie); --stun-backward-compatibility.
  bool allow_rfc3489 = false;
};

class MessageView {
 public:
  // Enough for any real client; more is an attack on the attribute walk, not a request.
  static constexpr size_t kMaxAttributes = 40;

  // `bytes` must be exactly one message: a datagram, or a frame cut by the stream splitter.
  static Result<MessageView, ParseError> parse(std::span<const uint8_t> bytes,
                                               ParseOptions options = {});

  uint16_t type() const;
  Method method() const { return method_of(type()); }
  Class message_class() const { return class_of(type()); }
  bool has_magic_cookie() const { return has_cookie_; }
  // The 96-bit id; for RFC 3489 messages the 128-bit id is cookie_field + this.
  std::span<const uint8_t, kTransactionIdSize> transaction_id() const {
    return bytes_.subspan<8, kTransactionIdSize>();
  }
  TransactionId transaction_id_copy() const;
  std::span<const uint8_t> bytes() const { return bytes_; }

  // The attributes that count: in order, up to MESSAGE-INTEGRITY; after it only
  // MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; nothing after FINGERPRINT.
  size_t attribute_count() const { return count_; }
  Attribute attribute(size_t i) const;
  // The first attribute of a type (duplicates: first wins).
  std::optional<Attribute> find(uint16_t type) const;
  bool has(uint16_t type) const { return find(type).has_value(); }

  // Comprehension-required types for which `is_known` is false (RFC 8489 §6.3.1, for 420
  // UNKNOWN-ATTRIBUTES). Writes at most out.size(); returns how many were written.
  template <typename Pred>
  size_t unknown_comprehension_required(Pred is_known, std::span<uint16_t> out) const {
    size_t n = 0;
    for (size_t i = 0; i < count_ && n < out.size(); ++i) {
      uint16_t t = entries_[i].type;
      if (attr::comprehension_required(t) && !is_known(t)) out[n++] = t;
    }
    return n;
  }

 private:
  struct Entry {
    uint16_t type;
    uint16_t length;
    uint32_t offset;  // a message may be 20 + 65532 bytes, so offsets pass 16 bits
  };
  std::span<const uint8_t> bytes_;
  std::array<Entry, kMaxAttributes> entries_{};
  uint16_t count_ = 0;
  bool has_cookie_ = true;
};

// The message type and length of a buffer that starts with a STUN header, without
// parsing attributes; nullopt if the header is not STUN. Used by the stream splitter
// and the UDP demultiplexer.
struct HeaderInfo {
  uint16_t type;
  uint16_t length;  // payload length, excluding the 20-byte header
  bool has_magic_cookie;
};
std::optional<HeaderInfo> peek_header(std::span<const uint8_t> bytes);

}  // namespace tern::stun
