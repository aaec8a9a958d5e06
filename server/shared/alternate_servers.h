#pragma once
// --alternate-server and --tls-alternate-server (coturn's): the servers an Allocate is
// sent to with 300 Try Alternate and ALTERNATE-SERVER (RFC 8489 §10, RFC 8656 §7.2),
// taken in turn. A reload replaces the lists; workers pick from a snapshot taken under a
// mutex, which only an Allocate (never a relayed packet) pays for.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "protocol/transport_address.h"
#include "server/core/request_context.h"

namespace tern {

class AlternateServers {
 public:
  AlternateServers(std::vector<TransportAddress> plain, std::vector<TransportAddress> tls);
  AlternateServers(const AlternateServers&) = delete;
  AlternateServers& operator=(const AlternateServers&) = delete;

  // Where an Allocate that reached our `local` address over `transport` should go, or
  // nullopt to serve it here. TLS clients get only the tls list (a TLS client sent to a
  // plain port could not connect), the others only the plain list; an alternate must be
  // of the client's family, since the client keeps its socket's family. As in coturn, a
  // list that names `local` itself means every node shares one list and this node takes
  // its share: nothing is redirected, unless `draining`, when the others are used.
  std::optional<TransportAddress> pick(Transport transport, const TransportAddress& local,
                                       bool draining);
  bool empty() const;
  // A reload's new lists; the next Allocate picks from them.
  void replace(std::vector<TransportAddress> plain, std::vector<TransportAddress> tls);

 private:
  struct List {
    std::vector<TransportAddress> addresses;
    std::atomic<size_t> next{0};  // round robin over all workers
  };
  struct Lists {
    List plain;
    List tls;
  };
  static std::optional<TransportAddress> pick_from(List& list, const TransportAddress& local,
                                                   bool draining);
  std::shared_ptr<Lists> lists() const;

  mutable std::mutex mutex_;
  std::shared_ptr<Lists> lists_;
};

}  // namespace tern
