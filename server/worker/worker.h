#pragma once
// One worker: a thread, its event_base, its sockets on every listening address, and
// (later) the allocations made through them. Nothing in here is touched by another
// thread except through post() and the counters.

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/libevent.h"
#include "base/task_queue.h"
#include "protocol/transport_address.h"
#include "server/config/listen_plan.h"
#include "server/core/allocation_mix.h"
#include "server/core/counters.h"
#include "server/turn/session_info.h"
#include "server/worker/dispatcher.h"
#include "server/worker/listener_sockets.h"
#include "server/worker/rfc5780_sockets.h"
#include "server/worker/stream_listener.h"
#include "server/worker/udp_listener.h"

namespace tern {

class Logger;
class TurnPeers;
class TurnShared;
struct TurnContext;
struct WorkerTurn;

class Worker {
 public:
  Worker(unsigned index, const DispatchOptions& options, const ServerTls* tls, Logger& log);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Binds every socket of the plan; called before start() so that a port in use stops
  // startup with a clear error. Returns the error, if any. `limits` (shared by every
  // worker) bounds the TCP/TLS connections; it must outlive the worker.
  std::optional<std::string> open(const ListenPlan& plan, StreamLimits& limits);
  // A reload's listeners, on the worker's thread (post()): `sockets`, bound for this
  // worker, start serving (an address this worker still holds retired is served by that
  // socket again, and the new one closes); the addresses of `removed` stop taking new
  // clients, while the connections and UDP allocations made through them go on until
  // they end, when their sockets close. `trust` gives the PROXY trust lists; `tls`, the
  // server's TLS (non-null once a reload turned it on).
  void adopt(std::vector<BoundSocket> sockets, const ListenPlan& trust, const ServerTls* tls);
  void retire(const ListenPlan& removed);
  // RFC 5780's grids of a reload's plan, after adopt() and before retire(): the old grids
  // go (their retired sockets then close like any other), so OTHER-ADDRESS and
  // CHANGE-REQUEST follow the new alt-listening-port, alt-tls-listening-port, listening
  // IPs or no-rfc5780.
  void regrid(const std::vector<Rfc5780Grid>& grids);
  // Makes this worker a TURN server too (before start()).
  void enable_turn(TurnShared& shared);
  // The other workers its allocations may move to and from (RFC 8016; before start()).
  void join_peers(TurnPeers& peers);
  // Thread-safe: runs `task` on this worker's thread with its TURN state; false (and it
  // never runs) when the worker is no TURN server or is stopping.
  [[nodiscard]] bool post_turn(std::function<void(TurnContext&)> task);
  void start();
  // Thread-safe: asks the loop to finish; join() waits for it. From stop() on, posts are
  // refused, and every task accepted before runs before the thread ends.
  void stop();
  // Thread-safe: stop() was called.
  bool stopping() const { return tasks_->closed(); }
  void join();
  // Thread-safe: runs `task` on this worker's thread; false (and it never runs) once the
  // worker is stopping.
  [[nodiscard]] bool post(std::function<void()> task) { return tasks_->post(std::move(task)); }

  unsigned index() const { return index_; }
  const WorkerCounters& counters() const { return counters_; }
  // Addresses actually bound (ports resolved), for logs and tests.
  std::vector<std::pair<Transport, TransportAddress>> bound() const;
  // Number of live allocations; call on the worker's thread (through post()).
  size_t allocation_count() const;
  // The same allocations by client transport and family (tern_allocations), likewise.
  AllocationMix allocation_mix() const;
  // The admin API's view and kill, also on the worker's thread. Sessions come in the
  // order they were made.
  std::vector<SessionInfo> sessions(const SessionFilter& filter) const;
  size_t kill_sessions(const SessionFilter& filter);
  // On the worker's thread: the kernel fast path's entries of every allocation brought to
  // the realm in force (TurnShared::on_realm_published), as the one-second sweep does.
  void resync_offload();

 private:
  void join_rfc5780(const Rfc5780Grid& grid);
  std::optional<std::string> adopt_one(BoundSocket socket, const ListenPlan& trust);
  // Closes the retired listeners nobody uses any more; true while some are left.
  bool close_unused_retired();
  static void on_retired_sweep(evutil_socket_t, short, void* self);

  unsigned index_;
  Logger& log_;
  const ServerTls* tls_;
  WorkerCounters counters_;
  EventBasePtr base_;
  std::unique_ptr<TaskQueue> tasks_;
  Dispatcher dispatcher_;
  std::unique_ptr<UdpBatch> udp_batch_;
  std::vector<uint8_t> stream_scratch_;
  std::vector<std::unique_ptr<UdpListener>> udp_;
  std::vector<std::unique_ptr<StreamListener>> streams_;
  std::vector<std::unique_ptr<Rfc5780Sockets>> rfc5780_;  // of udp_ and streams_
  // After the listeners, so allocations (which point at client streams) go first.
  std::unique_ptr<WorkerTurn> turn_;
  StreamLimits* limits_ = nullptr;  // from open()
  EventPtr retired_sweep_;          // while a retired listener waits for its clients to go
  std::thread thread_;
};

}  // namespace tern
