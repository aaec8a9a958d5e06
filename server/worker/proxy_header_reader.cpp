#include "server/worker/proxy_header_reader.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace tern {

bool ProxyTrust::trusts(const TransportAddress& source) const {
  if (trusted.empty()) return true;
  for (const auto& range : trusted) {
    if (range.contains(source)) return true;
  }
  return false;
}

ProxyHeaderReader::ProxyHeaderReader(event_base* base, FileDescriptor fd, StreamSlot slot,
                                     uint32_t timeout_s, OnDone on_done)
    : fd_(std::move(fd)), slot_(std::move(slot)), on_done_(std::move(on_done)) {
  read_event_.reset(event_new(base, fd_.get(), EV_READ | EV_PERSIST, on_readable, this));
  deadline_.reset(evtimer_new(base, on_deadline, this));
  // From the accept, however the header trickles in.
  const timeval after{static_cast<time_t>(timeout_s), 0};
  if (read_event_) event_add(read_event_.get(), nullptr);
  if (deadline_) evtimer_add(deadline_.get(), &after);
}

void ProxyHeaderReader::on_readable(evutil_socket_t, short, void* self) {
  static_cast<ProxyHeaderReader*>(self)->read();
}

void ProxyHeaderReader::on_deadline(evutil_socket_t, short, void* self) {
  static_cast<ProxyHeaderReader*>(self)->finish(nullptr);
}

void ProxyHeaderReader::read() {
  // Peek, so that bytes past the header (a TLS ClientHello, a STUN frame) stay in the
  // socket; bytes of an incomplete header are consumed, so the socket does not stay
  // readable on their account while the rest is awaited.
  std::array<uint8_t, kMaxProxyHeader> buffer;
  const size_t have = received_.size();
  std::copy(received_.begin(), received_.end(), buffer.begin());
  const ssize_t n = ::recv(fd_.get(), buffer.data() + have, buffer.size() - have, MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) return finish(nullptr);  // closed or failed before a whole header
  const size_t total = have + static_cast<size_t>(n);
  const auto header = parse_proxy_header(std::span(buffer).first(total));
  if (!header && header.error() != ProxyError::NeedMore) return finish(nullptr);
  const size_t take = header ? header->size - have : static_cast<size_t>(n);
  if (::recv(fd_.get(), buffer.data() + have, take, 0) != static_cast<ssize_t>(take)) {
    return finish(nullptr);
  }
  if (!header) {
    received_.assign(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(total));
    return;
  }
  finish(&*header);
}

void ProxyHeaderReader::finish(const ProxyHeader* header) {
  read_event_.reset();
  deadline_.reset();
  slot_.release();
  FileDescriptor fd = header ? std::move(fd_) : FileDescriptor();
  // on_done_ destroys this object; nothing may touch members afterwards.
  auto done = std::move(on_done_);
  done(this, std::move(fd), header);
}

}  // namespace tern
