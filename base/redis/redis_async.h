#pragma once
// One hiredis async connection on a libevent loop, owned like any other resource.
//
// hiredis calls back into C code; this class turns that into std::function handlers and
// settles who frees the redisAsyncContext: hiredis itself when the connection fails or
// drops (the context is gone once `failed` runs), this object otherwise.
//
// Rules for the owner:
//  - never destroy a RedisAsync from inside one of its own handlers (hiredis is still
//    using the context on the way out); hand it to a deferred cleanup instead;
//  - every command is an argv: user data is never formatted into command text, so it can
//    neither inject a command nor be read as a format string.

#include <hiredis/async.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "protocol/result.h"

struct event;
struct event_base;

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
  };
  struct Events {
    std::function<void()> ready;                     // connected and logged in
    std::function<void(const std::string&)> failed;  // at most once; nothing fires after it
    // Pub/sub pushes (the (p)subscribe confirmations and every pmessage).
    std::function<void(const redisReply*)> message;
  };

  // Starts connecting to a numeric `ip` and returns at once; `ready` or `failed` follows
  // from the loop. Fails here only when the attempt cannot even start (a connect() that
  // is refused on the spot, say).
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
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_message(redisAsyncContext* ac, void* reply, void* privdata);
  static RedisAsync* owner(const redisAsyncContext* ac);
  // hiredis asserts (aborting ternd) on a reply that answers no command outside pub/sub;
  // the reader asks this before building one and refuses it instead, which drops the
  // connection like any protocol error.
  static bool reply_expected(const redisReadTask* task);
  void guard_replies();

  void log_in(Login login);
  void become_ready();
  void fail(const std::string& why);
  void note_progress() { progress_at_ = std::chrono::steady_clock::now(); }

  redisAsyncContext* context_ = nullptr;  // null once hiredis has freed it
  Events events_;
  std::deque<ReplyHandler> handlers_;             // replies come back in command order
  int setup_left_ = 0;                            // AUTH and SELECT replies still to come
  size_t replies_owed_ = 0;                       // commands hiredis has not called back for yet
  bool subscribed_ = false;                       // PSUBSCRIBE sent: the server pushes at will
  bool unsolicited_ = false;                      // the server sent a reply nobody asked for
  redisReplyObjectFunctions reader_functions_{};  // hiredis' own, behind reply_expected
  bool connected_ = false;
  bool ready_ = false;
  bool failed_ = false;
  bool detached_ = false;
  bool awaiting_push_ = false;  // a PSUBSCRIBE not yet confirmed
  std::chrono::steady_clock::time_point progress_at_ = std::chrono::steady_clock::now();
};

}  // namespace tern
