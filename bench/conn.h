#pragma once
// One client transport to the server under test: a connected UDP socket, a TCP
// connection or a TLS connection. Messages go out in batches (sendmmsg for UDP, one
// write for a stream) and come back as whole messages (a datagram, or a frame the
// stream splitter cut: STUN or ChannelData).

#include <sys/socket.h>

#include <openssl/ssl.h>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/net.h"
#include "protocol/channel_data.h"
#include "protocol/stream_splitter.h"

namespace tern::bench {

enum class Transport : uint8_t { Udp, Tcp, Tls };
const char* to_string(Transport t);

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// A client context that accepts any certificate: the benchmark talks to its own server
// on loopback, and certificate checks are not what it measures.
SslCtxPtr make_client_tls_context();

// Batch buffers shared by every UDP socket of one load loop (one thread): a few hundred
// KiB once, not per socket, so ten thousand allocations cost ten thousand fds only.
class UdpIo {
 public:
  static constexpr size_t kBatch = 64;
  static constexpr size_t kSlot = 2048;

  UdpIo();
  // Queues a datagram for `fd`; a different fd or a full batch sends what was queued.
  // False when the message does not fit a slot.
  bool queue(int fd, std::span<const uint8_t> message);
  // Sends what is queued (sendmmsg); returns datagrams the kernel refused (buffer full).
  size_t flush();
  // Receives up to kBatch datagrams from `fd` with one recvmmsg; -1 on error other than
  // EAGAIN. The datagrams are valid until the next receive.
  int receive(int fd);
  std::span<const uint8_t> received(size_t i) const {
    return {in_[i].data(), in_headers_[i].msg_len};
  }
  uint64_t send_calls() const { return send_calls_; }
  uint64_t receive_calls() const { return receive_calls_; }

 private:
  std::vector<std::array<uint8_t, kSlot>> out_;
  std::vector<std::array<uint8_t, kSlot>> in_;
  std::array<iovec, kBatch> out_iov_{};
  std::array<iovec, kBatch> in_iov_{};
  std::array<mmsghdr, kBatch> out_headers_{};
  std::array<mmsghdr, kBatch> in_headers_{};
  size_t queued_ = 0;
  int queued_fd_ = -1;
  uint64_t send_calls_ = 0;
  uint64_t receive_calls_ = 0;
};

class Conn {
 public:
  // Connects (TLS: handshakes) synchronously; the result is non-blocking. Invalid on
  // failure with `error` said.
  static Conn open(Transport t, const TransportAddress& server, SSL_CTX* tls, std::string& error,
                   const TransportAddress* local = nullptr);

  Conn() = default;
  Conn(Conn&&) noexcept = default;
  Conn& operator=(Conn&&) noexcept = default;

  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  Transport transport() const { return transport_; }
  void close();

  // Queues one message. Streams pad ChannelData to 4 bytes (RFC 8656 §12.5).
  bool send(UdpIo& io, std::span<const uint8_t> message);
  // Streams: writes what is buffered; false when the connection failed. UDP: flushes io.
  bool flush(UdpIo& io);
  bool wants_write() const { return !wbuf_.empty(); }

  // Reads what is there and calls on_message(span) for each message. False when the
  // connection closed or broke (the stream splitter found bytes that are no frame).
  template <typename F>
  bool receive(UdpIo& io, F&& on_message);

 private:
  int read_stream();  // bytes read into rbuf_; 0 closed; -1 error; -2 nothing more now
  void consume(size_t n);

  Transport transport_ = Transport::Udp;
  FileDescriptor fd_;
  SslPtr ssl_;
  std::vector<uint8_t> rbuf_;
  size_t rlen_ = 0;
  std::vector<uint8_t> wbuf_;
};

template <typename F>
bool Conn::receive(UdpIo& io, F&& on_message) {
  if (transport_ == Transport::Udp) {
    for (;;) {
      const int n = io.receive(fd_.get());
      if (n < 0) return false;
      for (int i = 0; i < n; ++i) on_message(io.received(static_cast<size_t>(i)));
      if (n < static_cast<int>(UdpIo::kBatch)) return true;
    }
  }
  for (;;) {
    const int r = read_stream();
    if (r == 0 || r == -1) return false;
    size_t pos = 0;
    for (;;) {
      const auto frame = stun::next_frame(std::span<const uint8_t>(rbuf_).subspan(pos, rlen_ - pos),
                                          stun::kDefaultMaxFrame, stun::ChannelRange::Rfc5766);
      if (!frame) {
        if (frame.error() == stun::SplitStatus::Invalid) return false;
        break;
      }
      on_message(std::span<const uint8_t>(rbuf_).subspan(pos, frame->size));
      // The answer may have ended the session (a Delete's): close() emptied the buffer
      // still being walked here, so nothing after this frame is ours to read.
      if (!valid()) return false;
      pos += frame->size;
    }
    consume(pos);
    if (r == -2) return true;
  }
}

}  // namespace tern::bench
