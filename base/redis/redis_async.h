#pragma once
// One Redis connection on a libevent loop, plain TCP or TLS, owned like any other resource.
//
// hiredis 0.14 (Debian 12's) has no TLS and its async client owns the socket, so the I/O
// is a bufferevent of ours (an OpenSSL one for tls=1) and hiredis only encodes commands
// and parses replies (redis_reader). Plain TCP takes the same path: one code path, tested
// by every Redis test, instead of a TLS-only one that only the TLS tests would reach.
//
// Rules for the owner:
//  - never destroy a RedisAsync from inside one of its own handlers (its bufferevent is
//    still in use on the way out); hand it to a deferred cleanup instead;
//  - every command is an argv: user data is never formatted into command text, so it can
//    neither inject a command nor be read as a format string.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/libevent.h"
#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_reader.h"
#include "protocol/result.h"

namespace tern {

struct RedisEventFree {
  void operator()(event* e) const;
};
using RedisEventPtr = std::unique_ptr<event, RedisEventFree>;

class RedisAsync {
 public:
  // The reply, or nullptr when the connection went away before it came (in which case
  // `failed` follows). Valid only during the call.
  using ReplyHandler = std::function<void(const redisReply*)>;

  struct Login {
    std::string user;      // empty: AUTH <password>
    std::string password;  // empty: no AUTH
    int64_t db = -1;       // < 0: no SELECT
    // tls=1: the connection is TLS and the server certificate must name `tls_name` (the
    // host as configured or as a sentinel gave it; `ip` may be its resolved address).
    // Read only during connect().
    const RedisTlsConfig* tls = nullptr;
    std::string tls_name{};
  };
  struct Events {
    std::function<void()> ready;                     // connected and logged in
    std::function<void(const std::string&)> failed;  // at most once; nothing fires after it
    // Pub/sub pushes (the (p)subscribe confirmations and every pmessage).
    std::function<void(const redisReply*)> message;
  };

  // Starts connecting to a numeric `ip` and returns at once; `ready` or `failed` follows
  // from the loop. Fails here only when the attempt cannot even start (a TLS file that
  // cannot be loaded, no socket, say).
  static Result<std::unique_ptr<RedisAsync>, std::string> connect(event_base* base,
                                                                  const std::string& ip,
                                                                  uint16_t port, Login login,
                                                                  Events events);
  ~RedisAsync();
  RedisAsync(const RedisAsync&) = delete;
  RedisAsync& operator=(const RedisAsync&) = delete;

  // False when the connection can take no more commands (failed or detached).
  bool command(std::span<const std::string_view> argv, ReplyHandler handler);
  bool command(std::initializer_list<std::string_view> argv, ReplyHandler handler) {
    return command(std::span(argv.begin(), argv.size()), std::move(handler));
  }
  // PSUBSCRIBE; what the server pushes goes to Events::message.
  bool psubscribe(std::string_view pattern);

  // From now on no handler or event fires; for a connection that is being given up.
  void detach();

  bool is_ready() const { return ready_; }
  // Something is outstanding (the connection itself, or a command) and nothing has come
  // back for longer than `timeout`: the server is hung or the network is gone.
  bool stalled(std::chrono::steady_clock::time_point now,
               std::chrono::steady_clock::duration timeout) const;

 private:
  struct Passkey {};

 public:
  RedisAsync(Passkey, Events events) : events_(std::move(events)) {}

 private:
  static void on_read(bufferevent* bev, void* arg);
  static void on_event(bufferevent* bev, short what, void* arg);
  void deliver(RedisReplyPtr reply);
  bool is_push(const redisReply* reply) const;
  bool send(std::span<const std::string_view> argv);

  void log_in(Login login);
  void become_ready();
  // Pending handlers see nullptr (the reply will never come), then `failed` runs.
  void lose(const std::string& why);
  void fail(const std::string& why);
  void note_progress() { progress_at_ = std::chrono::steady_clock::now(); }

  Events events_;
  BufferEventPtr bev_;  // null once the connection is lost
  SSL* ssl_ = nullptr;  // owned by bev_; null for plain TCP
  RedisReader reader_;
  std::deque<ReplyHandler> handlers_;  // replies come back in command order
  int setup_left_ = 0;                 // AUTH and SELECT replies still to come
  bool subscribed_ = false;            // PSUBSCRIBE sent: the server pushes at will
  bool connected_ = false;
  bool heard_ = false;  // the server has sent something: a hang-up is no TLS refusal
  bool ready_ = false;
  bool failed_ = false;
  bool detached_ = false;
  bool awaiting_push_ = false;  // a PSUBSCRIBE not yet confirmed
  std::chrono::steady_clock::time_point progress_at_ = std::chrono::steady_clock::now();
};

}  // namespace tern
