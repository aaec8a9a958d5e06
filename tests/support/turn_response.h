#pragma once
// A TURN response as the test client keeps it: its bytes, what its integrity proved, and
// readers for the attributes tests look at. Parsing happens on each call, so a response
// can be copied and moved freely (a MessageView would point into the old bytes).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/message.h"
#include "protocol/transport_address.h"
#include "tests/support/stun_client.h"

namespace tern::test {

// What the response's integrity showed. A response whose integrity does not verify never
// becomes a TurnResponse: the client reports it as an error.
enum class ResponseIntegrity {
  None,    // no MESSAGE-INTEGRITY(-SHA256): 401/438, or a request sent without integrity
  Sha1,    // MESSAGE-INTEGRITY verified with the key
  Sha256,  // MESSAGE-INTEGRITY-SHA256 verified with the key
};
const char* to_string(ResponseIntegrity i);

struct AddressError {
  Family family;
  uint16_t code;
};

class TurnResponse {
 public:
  TurnResponse(Bytes bytes, ResponseIntegrity integrity)
      : bytes_(std::move(bytes)), integrity_(integrity) {}

  const Bytes& bytes() const { return bytes_; }
  // Asserts the bytes parse (the client only keeps responses that do).
  stun::MessageView view() const;
  ResponseIntegrity integrity() const { return integrity_; }

  bool is_success() const;
  // ERROR-CODE's number; 0 for a success response (or an error without one).
  uint16_t code() const;
  std::string reason() const;

  std::vector<TransportAddress> relayed() const;  // every XOR-RELAYED-ADDRESS
  std::optional<TransportAddress> mapped() const;
  std::optional<uint32_t> lifetime() const;
  std::optional<uint32_t> connection_id() const;  // CONNECTION-ID (RFC 6062)
  std::optional<std::array<uint8_t, 8>> reservation_token() const;
  std::optional<AddressError> address_error() const;
  std::optional<std::string> realm() const;
  std::optional<std::string> nonce() const;
  // The raw PASSWORD-ALGORITHMS value, echoed byte for byte by the client (RFC 8489 §9.2.4
  // compares the lists).
  std::optional<Bytes> password_algorithms() const;
  bool has(uint16_t attribute_type) const { return view().has(attribute_type); }

  // "Allocate error response 437 (Allocation Mismatch), 3 attributes: ...", for messages.
  std::string describe() const;

 private:
  Bytes bytes_;
  ResponseIntegrity integrity_;
};

std::ostream& operator<<(std::ostream& os, const TurnResponse& r);

}  // namespace tern::test
