#pragma once
// The STUN/TURN messages a client sends, built with protocol/, and what the load
// generator needs from the answers. Long-term credentials only (RFC 8489 §9.2), as
// legacy clients do them (MD5 key, no PASSWORD-ALGORITHM), because that is what both
// tern and coturn accept and what browsers send.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/long_term_key.h"
#include "protocol/message.h"
#include "protocol/transport_address.h"

namespace tern::bench {

// The signing part of an authenticated request.
struct Auth {
  std::string_view username;
  std::string_view realm;
  std::string_view nonce;
  std::span<const uint8_t> key;
};

// Transaction ids carry their send time (bytes 0..7, nanoseconds) and a tag (8..11), so
// a response's latency needs no per-request bookkeeping.
stun::TransactionId make_transaction_id(int64_t sent_ns, uint32_t tag);
int64_t sent_time_of(std::span<const uint8_t, stun::kTransactionIdSize> id);
uint32_t tag_of(std::span<const uint8_t, stun::kTransactionIdSize> id);

// Each builder writes one message into `out` and returns its size, 0 if it does not fit.
size_t build_binding(std::span<uint8_t> out, const stun::TransactionId& id);
size_t build_allocate(std::span<uint8_t> out, const stun::TransactionId& id, const Auth* auth);
size_t build_refresh(std::span<uint8_t> out, const stun::TransactionId& id, uint32_t lifetime,
                     const Auth& auth);
size_t build_create_permission(std::span<uint8_t> out, const stun::TransactionId& id,
                               const TransportAddress& peer, const Auth& auth);
size_t build_channel_bind(std::span<uint8_t> out, const stun::TransactionId& id, uint16_t channel,
                          const TransportAddress& peer, const Auth& auth);
size_t build_send_indication(std::span<uint8_t> out, const stun::TransactionId& id,
                             const TransportAddress& peer, std::span<const uint8_t> data);

// What a response says, as far as a client driving allocations cares.
struct Reply {
  stun::Method method = stun::Method::Binding;
  stun::Class cls = stun::Class::Request;
  uint16_t error = 0;                       // ERROR-CODE, 0 on success (or absent)
  std::string nonce;                        // 401/438: the nonce to use next
  std::string realm;                        // 401/438
  std::optional<TransportAddress> relayed;  // Allocate success
  uint32_t lifetime = 0;                    // Allocate/Refresh success
  bool is_response() const {
    return cls == stun::Class::SuccessResponse || cls == stun::Class::ErrorResponse;
  }
};
Reply read_reply(const stun::MessageView& m);

// Who the load generator is to the server: a fixed user (-u/-w) or a TURN REST username
// made from a shared secret (--secret), valid for a day from `now_unix`.
class Credentials {
 public:
  static Credentials long_term(std::string username, std::string password);
  static Credentials rest(std::string_view secret, std::string_view user, int64_t now_unix);

  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }
  // The MD5 long-term key for `realm`, derived once per realm (SASLprep and MD5 are not
  // what is being measured). Empty when the password fails SASLprep.
  std::span<const uint8_t> key_for(std::string_view realm);

 private:
  std::string username_;
  std::string password_;
  std::string realm_;
  auth::Key key_;
};

}  // namespace tern::bench
