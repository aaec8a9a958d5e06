#pragma once
// The write side of a server's DTLS session: every record OpenSSL writes leaves at once as
// one datagram from the listening socket to the client, so many sessions share one
// unconnected UDP socket. (The read side is a memory BIO the listener feeds each datagram.)

#include <openssl/bio.h>

#include "base/counter.h"
#include "base/socket_address.h"

namespace tern {

struct SendToCounters {
  Counter& sent;
  Counter& failed;
};

// A BIO that sendto()s each write to `to` on `fd` (not owned); returns null when OpenSSL
// cannot make one. A failed send is counted and reported as sent: UDP may lose datagrams,
// and DTLS retransmits what a handshake needs.
BIO* new_sendto_bio(int fd, const SockAddr& to, SendToCounters counters);
// Points a BIO made above at another client (the stateless cookie exchange answers each).
void set_sendto_peer(BIO* bio, const SockAddr& to);

}  // namespace tern
