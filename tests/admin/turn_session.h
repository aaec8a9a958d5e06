#pragma once
// Just enough of a TURN client over UDP for the admin tests to own allocations on a real
// ternd: Allocate with the long-term credential retry (401 → USERNAME, REALM, NONCE,
// MESSAGE-INTEGRITY), Refresh, CreatePermission and ChannelBind. Header-only and built on
// protocol/ and OpenSSL alone, so both the integration tests and ternctl's tests use it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/text_attributes.h"
#include "protocol/transport_address.h"
#include "protocol/turn_attributes.h"
#include "protocol/xor_address.h"

namespace tern::admin_test {

class TurnSession {
 public:
  static constexpr int kTimeout = -1;  // no answer, or one that does not parse

  TurnSession(std::string user, std::string password) : user_(user), password_(password) {}
  TurnSession(const TurnSession&) = delete;
  TurnSession& operator=(const TurnSession&) = delete;
  ~TurnSession() {
    if (fd_ >= 0) ::close(fd_);
  }

  // A socket connected to 127.0.0.1:port.
  bool connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }

  // "127.0.0.1:port" of this client, as ternd lists it.
  std::string local_address() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  }

  // 0 for a success response, else the error code (or kTimeout). A success to Allocate
  // leaves the relayed address in relayed().
  int allocate(uint32_t lifetime = 600) {
    return request(stun::Method::Allocate, [lifetime](stun::MessageBuilder& b) {
      stun::RequestedTransport{}.add_to(b);
      stun::Lifetime{lifetime}.add_to(b);
    });
  }
  int refresh(uint32_t lifetime) {
    return request(stun::Method::Refresh,
                   [lifetime](stun::MessageBuilder& b) { stun::Lifetime{lifetime}.add_to(b); });
  }
  int create_permission(const TransportAddress& peer) {
    return request(stun::Method::CreatePermission, [peer](stun::MessageBuilder& b) {
      stun::add_xor_address(b, stun::attr::XorPeerAddress, peer);
    });
  }
  int channel_bind(uint16_t number, const TransportAddress& peer) {
    return request(stun::Method::ChannelBind, [number, peer](stun::MessageBuilder& b) {
      stun::ChannelNumber{number}.add_to(b);
      stun::add_xor_address(b, stun::attr::XorPeerAddress, peer);
    });
  }
  // A Send indication (no answer comes back); false when it could not be sent.
  bool send(const TransportAddress& peer, std::span<const uint8_t> data) {
    std::array<uint8_t, 12> id{};
    RAND_bytes(id.data(), static_cast<int>(id.size()));
    std::array<uint8_t, 2048> buffer{};
    stun::MessageBuilder b(buffer, stun::Method::Send, stun::Class::Indication, id);
    stun::add_xor_address(b, stun::attr::XorPeerAddress, peer);
    stun::DataAttribute{data}.add_to(b);
    return ::send(fd_, b.bytes().data(), b.size(), 0) == static_cast<ssize_t>(b.size());
  }
  const std::optional<TransportAddress>& relayed() const { return relayed_; }

 private:
  using Body = std::function<void(stun::MessageBuilder&)>;

  // With credentials once a challenge gave realm and nonce; a 401 or 438 is retried once
  // with the new ones.
  int request(stun::Method method, const Body& body) {
    int code = transact(method, body);
    if (code == 401 || code == 438) code = transact(method, body);
    return code;
  }

  int transact(stun::Method method, const Body& body) {
    std::array<uint8_t, 12> id{};
    RAND_bytes(id.data(), static_cast<int>(id.size()));
    std::array<uint8_t, 1024> buffer{};
    stun::MessageBuilder b(buffer, method, stun::Class::Request, id);
    body(b);
    if (!nonce_.empty()) {
      b.add(stun::attr::Username, user_);
      b.add(stun::attr::Realm, realm_);
      b.add(stun::attr::Nonce, nonce_);
      const auto key = long_term_key();
      stun::add_message_integrity(b, key);
    }
    if (::send(fd_, b.bytes().data(), b.size(), 0) < 0) return kTimeout;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 3000) <= 0) return kTimeout;
      std::array<uint8_t, 2048> in{};
      const ssize_t n = ::recv(fd_, in.data(), in.size(), 0);
      if (n <= 0) return kTimeout;
      auto m = stun::MessageView::parse(std::span<const uint8_t>(in.data(), size_t(n)));
      if (!m || !std::ranges::equal(m->transaction_id(), id)) continue;
      return outcome(*m);
    }
  }

  int outcome(const stun::MessageView& m) {
    if (m.message_class() == stun::Class::SuccessResponse) {
      if (auto r = stun::XorAddressAttribute<stun::attr::XorRelayedAddress>::get_from(m)) {
        relayed_ = r->address;
      }
      return 0;
    }
    auto error = stun::ErrorCodeAttribute::get_from(m);
    if (!error) return kTimeout;
    if (auto realm = stun::Realm::get_from(m)) realm_ = std::string(realm->value);
    if (auto nonce = stun::Nonce::get_from(m)) nonce_ = std::string(nonce->value);
    return error->code;
  }

  // MD5(user ":" realm ":" password), RFC 8489 §9.2.2 (ASCII passwords need no SASLprep).
  std::array<uint8_t, 16> long_term_key() const {
    const std::string text = user_ + ":" + realm_ + ":" + password_;
    std::array<uint8_t, 16> key{};
    unsigned size = 0;
    EVP_Digest(text.data(), text.size(), key.data(), &size, EVP_md5(), nullptr);
    return key;
  }

  std::string user_, password_, realm_, nonce_;
  std::optional<TransportAddress> relayed_;
  int fd_ = -1;
};

}  // namespace tern::admin_test
