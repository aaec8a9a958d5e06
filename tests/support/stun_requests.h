#pragma once
// STUN requests as a client sends them, built with protocol/message_builder.h, and a
// readable rendering of any message for failure output.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/message.h"
#include "protocol/transport_address.h"

namespace tern::test {

struct ExtraAttribute {
  uint16_t type = 0;
  std::vector<uint8_t> value;
};

struct BindingOptions {
  bool fingerprint = false;
  std::vector<ExtraAttribute> extra = {};  // in order, before FINGERPRINT
};

// A random (RAND_bytes) 96-bit transaction id: parallel clients never share one.
stun::TransactionId random_transaction_id();

std::vector<uint8_t> binding_request(const BindingOptions& options = {});

// An Allocate (REQUESTED-TRANSPORT UDP) without credentials, as every client's first: a
// server with authentication answers it 401.
std::vector<uint8_t> allocate_without_credentials();

// A Binding request whose header is sound (cookie, length a multiple of 4 and equal to
// the bytes that follow) but whose only attribute claims more value bytes than there are.
std::vector<uint8_t> truncated_attribute_request();

// Bytes 8..20; the message must be at least a header long.
stun::TransactionId transaction_id_of(std::span<const uint8_t> message);

// The XOR-MAPPED-ADDRESS of a response; nullopt when it does not parse or has none.
std::optional<TransportAddress> mapped_in(std::span<const uint8_t> response);

// "Binding success response, 3 attributes: XOR-MAPPED-ADDRESS(8) 0x802B(8) ..." or why
// the bytes do not parse, for EXPECT messages.
std::string describe(std::span<const uint8_t> message);

}  // namespace tern::test
