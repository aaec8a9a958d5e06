#include "base/redis/redis_async.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>

#include <string>
#include <vector>

namespace tern {

void RedisEventFree::operator()(event* e) const {
  if (e) event_free(e);
}

Result<std::unique_ptr<RedisAsync>, std::string> RedisAsync::connect(event_base* base,
                                                                     const std::string& ip,
                                                                     uint16_t port, Login login,
                                                                     Events events) {
  auto self = std::make_unique<RedisAsync>(Passkey{}, std::move(events));
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), port);
  if (ac == nullptr) return unexpected(std::string("out of memory"));
  if (ac->err != 0) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);  // never connected: no callback runs
    return unexpected(why);
  }
  ac->data = self.get();
  self->context_ = ac;
  if (redisLibeventAttach(ac, base) != REDIS_OK) {
    return unexpected(std::string("cannot attach to the event loop"));
  }
  redisAsyncSetConnectCallback(ac, &RedisAsync::on_connect);
  redisAsyncSetDisconnectCallback(ac, &RedisAsync::on_disconnect);
  self->guard_replies();
  self->log_in(std::move(login));
  return self;
}

RedisAsync::~RedisAsync() {
  if (context_ == nullptr) return;
  // Pending handlers are dropped unrun: hiredis calls back with NULL replies while it frees
  // the context, and those must not reach an owner that is going away.
  context_->data = nullptr;
  redisAsyncFree(context_);
}

RedisAsync* RedisAsync::owner(const redisAsyncContext* ac) {
  return static_cast<RedisAsync*>(ac->data);
}

namespace {

// hiredis' default reader functions, whose signatures differ between hiredis versions.
const redisReplyObjectFunctions& default_reader_functions() {
  static const redisReplyObjectFunctions functions = [] {
    redisReader* reader = redisReaderCreate();
    const redisReplyObjectFunctions copy = *reader->fn;
    redisReaderFree(reader);
    return copy;
  }();
  return functions;
}

constexpr int kMaxReplyElements = 1 << 20;

}  // namespace

bool RedisAsync::reply_expected(const redisReadTask* task) {
  auto* self = static_cast<RedisAsync*>(task->privdata);
  if (task->parent != nullptr || self == nullptr) return true;  // only whole replies count
  if (self->replies_owed_ > 0 || self->subscribed_) return true;
  self->unsolicited_ = true;
  return false;
}

void RedisAsync::guard_replies() {
  using F = redisReplyObjectFunctions;
  // hiredis' `Member` behind reply_expected: a refused reply is a null object, which
  // hiredis reports as a reader error and disconnects on.
  const auto guarded = []<auto Member, typename... Args>(void* (*)(const redisReadTask*, Args...)) {
    return +[](const redisReadTask* task, Args... args) -> void* {
      if (!reply_expected(task)) return nullptr;
      return (default_reader_functions().*Member)(task, args...);
    };
  };
  reader_functions_ = default_reader_functions();
  F& f = reader_functions_;
  f.createString = guarded.operator()<&F::createString>(f.createString);
  // hiredis 0.14 callocs whatever count a reply announces: `*700000000` from a broken or
  // hostile Redis asks for 5.6 GB (found by fuzz_redis_reply). ternd reads sets of
  // secrets and SCAN/MGET batches, far below this bound.
  f.createArray = +[](const redisReadTask* task, int elements) -> void* {
    if (elements < 0 || elements > kMaxReplyElements || !reply_expected(task)) return nullptr;
    return default_reader_functions().createArray(task, elements);
  };
  f.createInteger = guarded.operator()<&F::createInteger>(f.createInteger);
  f.createNil = guarded.operator()<&F::createNil>(f.createNil);
  context_->c.reader->fn = &reader_functions_;
  context_->c.reader->privdata = this;
}

void RedisAsync::log_in(Login login) {
  // Queued before the connection completes; hiredis writes them once it does, and their
  // replies come back before anything the owner sends after `ready`.
  auto step = [this](std::string what) {
    ++setup_left_;
    return [this, what = std::move(what)](const redisReply* reply) {
      if (reply == nullptr) return;
      if (reply->type == REDIS_REPLY_ERROR) {
        return fail(what + ": " + std::string(reply->str, reply->len));
      }
      if (--setup_left_ == 0) become_ready();
    };
  };
  if (!login.password.empty()) {
    if (login.user.empty()) {
      command({"AUTH", login.password}, step("AUTH failed"));
    } else {
      command({"AUTH", login.user, login.password}, step("AUTH failed"));
    }
  }
  if (login.db >= 0) {
    const std::string db = std::to_string(login.db);
    command({"SELECT", db}, step("SELECT " + db + " failed"));
  }
}

void RedisAsync::become_ready() {
  ready_ = true;
  if (!detached_ && !failed_ && events_.ready) events_.ready();
}

void RedisAsync::on_connect(const redisAsyncContext* ac, int status) {
  RedisAsync* self = owner(ac);
  if (self == nullptr) return;
  if (status != REDIS_OK) {
    self->context_ = nullptr;  // hiredis frees it when this returns
    self->fail(ac->errstr);
    return;
  }
  self->connected_ = true;
  self->note_progress();
  if (self->setup_left_ == 0) self->become_ready();  // nothing to log in with
}

void RedisAsync::on_disconnect(const redisAsyncContext* ac, int status) {
  RedisAsync* self = owner(ac);
  if (self == nullptr) return;
  self->context_ = nullptr;  // hiredis frees it when this returns
  if (self->unsolicited_) return self->fail("the server sent a reply to no command");
  self->fail(status == REDIS_OK ? std::string("the server closed the connection")
                                : std::string(ac->errstr));
}

void RedisAsync::on_reply(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
  RedisAsync* self = owner(ac);
  if (self != nullptr && self->replies_owed_ > 0) --self->replies_owed_;
  if (self == nullptr || self->handlers_.empty()) return;
  // Out of the queue before it runs, so the handler may queue more or detach us.
  ReplyHandler handler = std::move(self->handlers_.front());
  self->handlers_.pop_front();
  self->note_progress();
  if (self->detached_ || (self->failed_ && reply != nullptr)) return;
  handler(static_cast<const redisReply*>(reply));
}

void RedisAsync::on_message(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
  RedisAsync* self = owner(ac);
  if (self == nullptr) return;
  self->note_progress();
  self->awaiting_push_ = false;
  if (reply == nullptr || self->detached_ || self->failed_ || !self->events_.message) return;
  self->events_.message(static_cast<const redisReply*>(reply));
}

bool RedisAsync::command(std::span<const std::string_view> argv, ReplyHandler handler) {
  if (context_ == nullptr || failed_ || detached_) return false;
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (std::string_view a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAsyncCommandArgv(context_, &RedisAsync::on_reply, nullptr, static_cast<int>(args.size()),
                            args.data(), lengths.data()) != REDIS_OK) {
    return false;
  }
  ++replies_owed_;
  if (handlers_.empty() && !awaiting_push_) note_progress();  // the stall clock starts now
  handlers_.push_back(std::move(handler));
  return true;
}

bool RedisAsync::psubscribe(std::string_view pattern) {
  if (context_ == nullptr || failed_ || detached_) return false;
  const char* args[] = {"PSUBSCRIBE", pattern.data()};
  const size_t lengths[] = {10, pattern.size()};
  if (redisAsyncCommandArgv(context_, &RedisAsync::on_message, nullptr, 2, args, lengths) !=
      REDIS_OK) {
    return false;
  }
  subscribed_ = true;
  if (handlers_.empty() && !awaiting_push_) note_progress();
  awaiting_push_ = true;
  return true;
}

void RedisAsync::detach() {
  detached_ = true;
  ready_ = false;
  handlers_.clear();
}

bool RedisAsync::stalled(std::chrono::steady_clock::time_point now,
                         std::chrono::steady_clock::duration timeout) const {
  if (context_ == nullptr) return false;  // gone: `failed` already said so
  const bool outstanding = !connected_ || !handlers_.empty() || awaiting_push_;
  return outstanding && now - progress_at_ > timeout;
}

void RedisAsync::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  ready_ = false;
  if (!detached_ && events_.failed) events_.failed(why);
}

}  // namespace tern
