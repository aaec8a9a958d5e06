#pragma once
// A blocking TURN client for integration tests (RFC 8656 over UDP, TCP or TLS), built on
// StunClient and protocol/. It speaks long-term credentials as RFC 8489 §9.2 asks: a first
// request without integrity earns a 401 with REALM and NONCE; the retry carries USERNAME
// (or USERHASH), REALM, NONCE and MESSAGE-INTEGRITY (or PASSWORD-ALGORITHM SHA-256 and
// MESSAGE-INTEGRITY-SHA256, with the server's PASSWORD-ALGORITHMS echoed); a 438 is
// retried with the fresh nonce. Every response to a request sent with integrity is
// verified: one that does not verify, or a success that is not signed, is an error.
//
// Relayed data (Data indications, ChannelData) that arrives while a transaction waits
// for its response is kept for receive_data(), so tests may interleave both freely.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/message_builder.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "tests/support/stun_client.h"
#include "tests/support/turn_response.h"

namespace tern::test {

struct TurnCredentials {
  std::string username = "alice";
  // Passwords in tests are printable ASCII, for which SASLprep is the identity (RFC 4013),
  // so the key is hashed from the bytes as given.
  std::string password = "secret";
  // PASSWORD-ALGORITHM SHA-256 and MESSAGE-INTEGRITY-SHA256 instead of MD5 and
  // MESSAGE-INTEGRITY. Needs the server to offer SHA-256 in PASSWORD-ALGORITHMS.
  bool sha256 = false;
  // USERHASH (RFC 8489 §14.4) instead of USERNAME.
  bool userhash = false;
  // Behave like an RFC 5389 client (browsers, turnutils): ignore PASSWORD-ALGORITHMS and
  // send neither it nor PASSWORD-ALGORITHM. Without it, a list the server sent is echoed
  // with PASSWORD-ALGORITHM MD5 (RFC 8489 §9.2.3.2 / §9.2.4).
  bool legacy = false;
};

// What a 401/438 handed out, reused by every later request until the next one.
struct Challenge {
  std::string realm;
  std::string nonce;
  std::optional<Bytes> password_algorithms;  // raw value, echoed as is
};

// The long-term key (RFC 8489 §9.2.2): MD5 or, with `sha256`, SHA-256 of
// username ":" realm ":" password, for printable-ASCII passwords (SASLprep is then the
// identity). Hashed here because the integration tests link protocol/ only, not auth/.
Bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password,
                    bool sha256);

// Writes a request's own attributes (before the credentials are appended).
using Body = std::function<void(stun::MessageBuilder&)>;

struct AllocateOptions {
  // REQUESTED-TRANSPORT's protocol; nullopt leaves the attribute out.
  std::optional<uint8_t> transport = 17;
  std::optional<Family> family = std::nullopt;             // REQUESTED-ADDRESS-FAMILY
  std::optional<Family> additional_family = std::nullopt;  // ADDITIONAL-ADDRESS-FAMILY
  std::optional<bool> even_port = std::nullopt;            // EVEN-PORT, with R = the value
  std::optional<std::array<uint8_t, 8>> reservation_token = std::nullopt;
  std::optional<uint32_t> lifetime = std::nullopt;
  bool dont_fragment = false;
};
Body allocate_body(const AllocateOptions& options);

// How one request carries credentials. Tests switch parts off to provoke 400s.
struct AuthParts {
  bool integrity = true;  // false: no credentials at all (the first, challenged request)
  bool username = true;   // USERNAME or USERHASH
  bool realm = true;
  bool nonce = true;
  // Replaces the echoed PASSWORD-ALGORITHMS (a bid-down attempt).
  std::optional<Bytes> password_algorithms_override = std::nullopt;
};

// Data relayed from a peer.
struct Relayed {
  enum class Kind { DataIndication, ChannelData };
  Kind kind = Kind::DataIndication;
  TransportAddress peer;  // Data indication: its XOR-PEER-ADDRESS
  uint16_t channel = 0;   // ChannelData: its channel number
  Bytes data;
  Bytes wire;  // the whole frame as received, ChannelData padding included
};
const char* to_string(Relayed::Kind k);

// A ConnectionAttempt indication (RFC 6062 §4.4): a peer connected to the TCP relay.
struct ConnectionAttempt {
  TransportAddress peer;
  uint32_t id = 0;
};

class TurnClient {
 public:
  static Result<TurnClient, std::string> connect(Transport transport,
                                                 const TransportAddress& server,
                                                 TurnCredentials credentials = {});
  // From a chosen local address (StunClient::connect_from).
  static Result<TurnClient, std::string> connect_from(Transport transport,
                                                      const TransportAddress& local,
                                                      const TransportAddress& server,
                                                      TurnCredentials credentials = {});

  // Over a connection already made (a verified TLS one, say).
  static TurnClient over(StunClient stun, TurnCredentials credentials = {}) {
    return TurnClient(std::move(stun), std::move(credentials));
  }

  // --- building blocks, for tests that need to see each step
  // One request built with the current challenge and credentials, a fresh transaction id
  // unless `id` is given.
  Bytes build_request(stun::Method method, const Body& body, const AuthParts& parts = {},
                      std::optional<stun::TransactionId> id = std::nullopt) const;
  // Sends `request` and waits for the response with its transaction id. A 401 or 438
  // carrying REALM and NONCE updates the challenge. The error says what went wrong: a
  // timeout, bad integrity, an unsigned success.
  Result<TurnResponse, std::string> transact(std::span<const uint8_t> request);
  // One request, no retries.
  Result<TurnResponse, std::string> send_request(stun::Method method, const Body& body,
                                                 const AuthParts& parts = {});

  // --- the full exchange: challenge first if there is no nonce yet, then retry a 438 once
  // with its fresh nonce. Error responses are results, not errors.
  Result<TurnResponse, std::string> request(stun::Method method, const Body& body);

  Result<TurnResponse, std::string> allocate(const AllocateOptions& options = {});
  Result<TurnResponse, std::string> refresh(std::optional<uint32_t> lifetime);
  Result<TurnResponse, std::string> create_permission(const std::vector<TransportAddress>& peers);
  Result<TurnResponse, std::string> channel_bind(uint16_t channel, const TransportAddress& peer);
  // RFC 6062: Connect on the control connection, ConnectionBind on a new data connection.
  Result<TurnResponse, std::string> connect_peer(const TransportAddress& peer);
  Result<TurnResponse, std::string> connection_bind(uint32_t connection_id);
  // The next ConnectionAttempt indication (kept if it came during a transaction).
  Result<ConnectionAttempt, RecvError> receive_connection_attempt(Millis timeout = Millis(2000));

  // Indications and ChannelData: no answer, so false only when the bytes could not be sent.
  bool send_indication(const TransportAddress& peer, std::span<const uint8_t> data);
  // Padded to a multiple of 4 over TCP and TLS (RFC 8656 §12.5), not over UDP.
  bool send_channel_data(uint16_t channel, std::span<const uint8_t> data);
  bool send_raw(std::span<const uint8_t> bytes) { return stun_.send(bytes); }

  // The next Data indication or ChannelData; other messages are skipped.
  Result<Relayed, RecvError> receive_data(Millis timeout = Millis(2000));

  const Challenge& challenge() const { return challenge_; }
  // Adopt a nonce obtained elsewhere (another client, another address).
  void set_challenge(Challenge c) { challenge_ = std::move(c); }
  const TurnCredentials& credentials() const { return credentials_; }
  void set_credentials(TurnCredentials c) { credentials_ = std::move(c); }

  // The relayed addresses of the last successful Allocate.
  const std::vector<TransportAddress>& relayed() const { return relayed_; }
  // The relayed address of `family`; asserts there is one.
  TransportAddress relayed(Family family) const;
  TransportAddress local_address() const { return stun_.local_address(); }
  Transport transport() const { return stun_.transport(); }
  StunClient& stun() { return stun_; }

 private:
  TurnClient(StunClient stun, TurnCredentials credentials)
      : stun_(std::move(stun)), credentials_(std::move(credentials)) {}

  // The long-term key for the current realm: MD5 or SHA-256 of user:realm:password.
  Bytes key() const;
  void append_credentials(stun::MessageBuilder& b, const AuthParts& parts) const;
  Result<TurnResponse, std::string> checked(Bytes response, bool signed_request) const;
  void learn_challenge(const TurnResponse& r);
  // Keeps relayed data that came in the middle of a transaction.
  bool keep_if_relayed(const Bytes& frame);

  StunClient stun_;
  TurnCredentials credentials_;
  Challenge challenge_;
  std::vector<TransportAddress> relayed_;
  std::deque<Relayed> pending_;
  std::deque<ConnectionAttempt> attempts_;
};

}  // namespace tern::test
