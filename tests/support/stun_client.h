#pragma once
// A small blocking STUN client over UDP, TCP or TLS, IPv4 or IPv6, for tests. Every call
// takes a deadline: a server that stops answering fails the test, it never hangs it.
// Over TCP and TLS a receive returns exactly one frame, cut with protocol's stream
// splitter (so a frame the splitter refuses is reported, not misread). The transports are
// the server's (tern::Transport), named as the server names them.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/core/request_context.h"

namespace tern::test {

enum class RecvError {
  Timeout,   // nothing (or no whole frame) before the deadline
  Closed,    // the server closed the connection (EOF, reset, TLS close)
  Failed,    // any other socket or TLS error (UDP: ICMP port unreachable)
  BadFrame,  // the bytes received cannot be framed as STUN or ChannelData
};
const char* to_string(RecvError e);

using Bytes = std::vector<uint8_t>;
using Millis = std::chrono::milliseconds;

// What a TLS client may change: the highest version it offers (0: OpenSSL's highest),
// a certificate to present (PEM files; empty: none), and a CA to verify the server
// against (empty: not verified).
struct TlsClientOptions {
  int max_version = 0;  // e.g. TLS1_2_VERSION
  std::string cert = {};
  std::string key = {};
  std::filesystem::path ca = {};
};

class StunClient {
 public:
  // UDP: a connected socket. TCP: connected. TLS and DTLS: handshake done, the certificate
  // NOT verified (the test certificate is self-signed). The error says what failed. Over
  // DTLS a receive returns one record, which ternd makes one message.
  static Result<StunClient, std::string> connect(Transport transport,
                                                 const TransportAddress& server,
                                                 Millis timeout = Millis(5000));
  // The same from a chosen local address (port 0: any), e.g. 127.0.0.2, to be another
  // source.
  static Result<StunClient, std::string> connect_from(Transport transport,
                                                      const TransportAddress& local,
                                                      const TransportAddress& server,
                                                      Millis timeout = Millis(5000),
                                                      const TlsClientOptions& tls = {});

  // TLS verified as a browser would: the server's chain must lead to `ca` and name
  // localhost; a certificate that does not is a handshake error.
  static Result<StunClient, std::string> connect_tls_verified(const TransportAddress& server,
                                                              const std::filesystem::path& ca,
                                                              Millis timeout = Millis(5000));
  // TLS: the subject of the server's certificate ("/CN=localhost"); empty otherwise.
  std::string peer_certificate_subject() const;

  StunClient(StunClient&&) noexcept;
  StunClient& operator=(StunClient&&) noexcept;
  ~StunClient();

  // All the bytes in one datagram (UDP) or one write (TCP/TLS); false on error.
  bool send(std::span<const uint8_t> bytes);
  // One datagram or one frame.
  Result<Bytes, RecvError> receive(Millis timeout = Millis(2000));
  // TCP/TLS: whatever bytes arrive next, unframed (a connection that no longer speaks
  // STUN, such as an RFC 6062 data connection); what an earlier receive buffered first.
  Result<Bytes, RecvError> receive_bytes(Millis timeout = Millis(2000));
  // send, then receive.
  Result<Bytes, RecvError> exchange(std::span<const uint8_t> request,
                                    Millis timeout = Millis(2000));

  // Reads and discards until the server closes the connection: true on EOF or reset
  // before the deadline. What the server sends first (a TLS alert to a plaintext client,
  // say) does not matter.
  bool closed_within(Millis timeout);
  // TLS and DTLS: sends close_notify (the end of this client's session).
  void send_close_notify();

  // TLS: the size of each SSL_read so far. OpenSSL returns one record at most per read,
  // so this shows how the server cut its output into records.
  std::vector<size_t>& tls_reads() { return tls_reads_; }

  TransportAddress local_address() const;
  Transport transport() const { return transport_; }

 private:
  struct Tls;
  using Clock = std::chrono::steady_clock;

  StunClient(Transport t, FileDescriptor fd);
  static Result<StunClient, std::string> open(Transport transport, const TransportAddress& local,
                                              const TransportAddress& server, Millis timeout,
                                              const TlsClientOptions& options);
  Result<Bytes, RecvError> receive_datagram(Clock::time_point deadline);
  Result<Bytes, RecvError> receive_frame(Clock::time_point deadline);
  Result<Bytes, RecvError> receive_record(Clock::time_point deadline);
  // DTLS: the handshake over the connected UDP socket (certificate not verified).
  Result<StunClient, std::string> start_dtls(const TransportAddress& server,
                                             Clock::time_point deadline);
  // Appends whatever arrives next to buffered_.
  std::optional<RecvError> read_more(Clock::time_point deadline);
  std::optional<RecvError> read_more_tls(Clock::time_point deadline);
  bool send_stream(std::span<const uint8_t> bytes, Clock::time_point deadline);
  bool send_tls(std::span<const uint8_t> bytes, Clock::time_point deadline);

  Transport transport_;
  FileDescriptor fd_;
  std::unique_ptr<Tls> tls_;  // declared after fd_: the SSL dies before its socket
  Bytes buffered_;            // stream bytes not yet returned as a frame
  std::vector<size_t> tls_reads_;
};

}  // namespace tern::test
