#include "tests/support/turn_response.h"

#include <cassert>
#include <ostream>

#include "protocol/error_code.h"
#include "protocol/password_algorithms.h"
#include "protocol/text_attributes.h"
#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"
#include "tests/support/stun_requests.h"

namespace tern::test {

const char* to_string(ResponseIntegrity i) {
  switch (i) {
    case ResponseIntegrity::None:
      return "no integrity";
    case ResponseIntegrity::Sha1:
      return "MESSAGE-INTEGRITY";
    case ResponseIntegrity::Sha256:
      return "MESSAGE-INTEGRITY-SHA256";
  }
  return "?";
}

stun::MessageView TurnResponse::view() const {
  auto m = stun::MessageView::parse(bytes_);
  assert(m.ok());
  return *m;
}

bool TurnResponse::is_success() const {
  return view().message_class() == stun::Class::SuccessResponse;
}

uint16_t TurnResponse::code() const {
  auto e = stun::ErrorCodeAttribute::get_from(view());
  return e ? e->code : 0;
}

std::string TurnResponse::reason() const {
  auto e = stun::ErrorCodeAttribute::get_from(view());
  return e ? std::string(e->reason) : std::string();
}

std::vector<TransportAddress> TurnResponse::relayed() const {
  std::array<stun::XorRelayedAddress, 4> found;
  auto n = stun::XorRelayedAddress::get_all(view(), found);
  std::vector<TransportAddress> out;
  if (!n) return out;
  for (size_t i = 0; i < std::min(*n, found.size()); ++i) out.push_back(found[i].address);
  return out;
}

std::optional<TransportAddress> TurnResponse::mapped() const {
  auto a = stun::XorMappedAddress::get_from(view());
  if (!a) return std::nullopt;
  return a->address;
}

std::optional<uint32_t> TurnResponse::lifetime() const {
  auto l = stun::Lifetime::get_from(view());
  if (!l) return std::nullopt;
  return l->seconds;
}

std::optional<uint32_t> TurnResponse::connection_id() const {
  auto c = stun::ConnectionId::get_from(view());
  if (!c) return std::nullopt;
  return c->id;
}

std::optional<std::array<uint8_t, 8>> TurnResponse::reservation_token() const {
  auto t = stun::ReservationToken::get_from(view());
  if (!t) return std::nullopt;
  return t->token;
}

std::optional<AddressError> TurnResponse::address_error() const {
  auto e = stun::AddressErrorCode::get_from(view());
  if (!e) return std::nullopt;
  return AddressError{e->family, e->code};
}

std::optional<std::string> TurnResponse::realm() const {
  auto r = stun::Realm::get_from(view());
  if (!r) return std::nullopt;
  return std::string(r->value);
}

std::optional<std::string> TurnResponse::nonce() const {
  auto n = stun::Nonce::get_from(view());
  if (!n) return std::nullopt;
  return std::string(n->value);
}

std::optional<Bytes> TurnResponse::password_algorithms() const {
  auto a = view().find(stun::attr::PasswordAlgorithms);
  if (!a) return std::nullopt;
  return Bytes(a->value.begin(), a->value.end());
}

std::string TurnResponse::describe() const {
  std::string d = test::describe(bytes_);
  if (uint16_t c = code()) d += " [" + std::to_string(c) + " " + reason() + "]";
  return d + " (" + to_string(integrity_) + ")";
}

std::ostream& operator<<(std::ostream& os, const TurnResponse& r) {
  return os << r.describe();
}

}  // namespace tern::test
