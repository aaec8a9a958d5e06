#include "base/dtls_bio.h"

#include <sys/socket.h>

#include <memory>

namespace tern {

namespace {

struct SendTo {
  int fd;
  SockAddr to;
  SendToCounters counters;
};

int write_datagram(BIO* bio, const char* data, int length) {
  auto* s = static_cast<SendTo*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (::sendto(s->fd, data, static_cast<size_t>(length), 0, s->to.get(), s->to.length) < 0) {
    s->counters.failed.add();
  } else {
    s->counters.sent.add();
  }
  return length;
}

long control(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return 0;  // the MTU set on the session is what a record may use
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      (void)bio;
      return 0;
  }
}

int destroy(BIO* bio) {
  // Takes back what new_sendto_bio released to the BIO.
  std::unique_ptr<SendTo> owned(static_cast<SendTo*>(BIO_get_data(bio)));
  BIO_set_data(bio, nullptr);
  return 1;
}

// Made once, for the life of the process, as OpenSSL's own methods are.
const BIO_METHOD* method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tern sendto");
    if (made == nullptr) return made;
    BIO_meth_set_write(made, write_datagram);
    BIO_meth_set_ctrl(made, control);
    BIO_meth_set_destroy(made, destroy);
    return made;
  }();
  return m;
}

}  // namespace

BIO* new_sendto_bio(int fd, const SockAddr& to, SendToCounters counters) {
  const BIO_METHOD* m = method();
  if (m == nullptr) return nullptr;
  BIO* bio = BIO_new(m);
  if (bio == nullptr) return nullptr;
  auto state = std::make_unique<SendTo>(SendTo{fd, to, counters});
  BIO_set_data(bio, state.release());
  BIO_set_init(bio, 1);
  return bio;
}

void set_sendto_peer(BIO* bio, const SockAddr& to) {
  static_cast<SendTo*>(BIO_get_data(bio))->to = to;
}

}  // namespace tern
