#include "base/redis/redis_async.h"

#include <arpa/inet.h>
#include <event2/bufferevent_ssl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "base/redis/redis_tls.h"

namespace tern {
namespace {

// A numeric IPv4 or IPv6 address and a port as a sockaddr.
bool socket_address(const std::string& ip, uint16_t port, sockaddr_storage& out,
                    socklen_t& length) {
  out = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  // A name: resolved here, blocking, as hiredis' own async connect did (the stats publisher
  // connects to the configured host as it is; the other clients resolve first, off the loop).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(ip.c_str(), nullptr, &hints, &list) != 0 || list == nullptr) return false;
  // IPv4 first, as RedisResolver orders them: a Redis bound to 127.0.0.1 only is the
  // common case behind "localhost".
  const addrinfo* pick = list;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  const bool fits = pick->ai_addrlen <= sizeof out;
  if (fits) {
    std::memcpy(&out, pick->ai_addr, pick->ai_addrlen);
    length = pick->ai_addrlen;
    reinterpret_cast<sockaddr_in*>(&out)->sin_port = htons(port);  // same offset in v6
  }
  freeaddrinfo(list);
  return fits;
}

// An OpenSSL bufferevent keeps OpenSSL's errors in a queue of its own; the first says why.
// libevent queues SSL_get_error's small numbers there too (5 for SSL_ERROR_SYSCALL), which
// name no library and say nothing: skipped.
unsigned long first_tls_error(bufferevent* bev) {
  unsigned long first = 0;
  for (unsigned long code; (code = bufferevent_get_openssl_error(bev)) != 0;) {
    if (first == 0 && ERR_GET_LIB(code) != 0) first = code;
  }
  return first;
}

bool is_text(const redisReply* r, std::string_view text) {
  return r->type == REDIS_REPLY_STRING && std::string_view(r->str, r->len) == text;
}

}  // namespace

void RedisEventFree::operator()(event* e) const {
  if (e) event_free(e);
}

Result<std::unique_ptr<RedisAsync>, std::string> RedisAsync::connect(event_base* base,
                                                                     const std::string& ip,
                                                                     uint16_t port, Login login,
                                                                     Events events) {
  sockaddr_storage address;
  socklen_t length = 0;
  if (!socket_address(ip, port, address, length)) {
    return unexpected(std::string("cannot resolve the host"));
  }
  auto self = std::make_unique<RedisAsync>(Passkey{}, std::move(events));
  if (login.tls != nullptr && login.tls->enabled) {
    auto ctx = make_redis_tls_context(*login.tls);
    if (!ctx) return unexpected(ctx.error());
    auto ssl = make_redis_tls_session(ctx->get(), *login.tls, login.tls_name);
    if (!ssl) return unexpected(ssl.error());
    self->ssl_ = ssl->get();
    // The bufferevent frees the SSL (and the SSL its reference to the context).
    self->bev_.reset(bufferevent_openssl_socket_new(
        base, -1, ssl->release(), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE));
  } else {
    self->bev_.reset(bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE));
  }
  if (!self->bev_) return unexpected(std::string("cannot make a bufferevent"));
  if (bufferevent_socket_connect(self->bev_.get(), reinterpret_cast<sockaddr*>(&address),
                                 static_cast<int>(length)) != 0) {
    return unexpected(std::string("connect: ") + std::strerror(errno));
  }
  // Only now: a refusal on the spot is reported through a deferred event, never from
  // inside bufferevent_socket_connect.
  bufferevent_setcb(self->bev_.get(), &RedisAsync::on_read, nullptr, &RedisAsync::on_event,
                    self.get());
  bufferevent_enable(self->bev_.get(), EV_READ | EV_WRITE);
  self->log_in(std::move(login));
  return self;
}

RedisAsync::~RedisAsync() = default;

void RedisAsync::log_in(Login login) {
  // Queued before the connection completes; they are written once it does, and their
  // replies come back before anything the owner sends after `ready`.
  auto step = [this](std::string what) {
    ++setup_left_;
    return [this, what = std::move(what)](const redisReply* reply) {
      if (reply == nullptr) return;
      if (reply->type == REDIS_REPLY_ERROR) {
        return fail(what + ": " + std::string(reply->str, reply->len));
      }
      if (--setup_left_ == 0 && connected_) become_ready();
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
  if (ready_ || failed_) return;
  ready_ = true;
  if (!detached_ && events_.ready) events_.ready();
}

void RedisAsync::on_event(bufferevent* bev, short what, void* arg) {
  auto* self = static_cast<RedisAsync*>(arg);
  if ((what & BEV_EVENT_CONNECTED) != 0) {
    self->connected_ = true;
    self->note_progress();
    if (self->setup_left_ == 0) self->become_ready();  // nothing to log in with
    return;
  }
  std::string why;
  if ((what & BEV_EVENT_ERROR) != 0) {
    const int error = EVUTIL_SOCKET_ERROR();
    why = error != 0 ? std::strerror(error) : "connection error";
  } else {
    why = self->connected_ ? "the server closed the connection"
                           : "the server closed the connection during TLS";
  }
  if (self->ssl_ != nullptr) {
    const unsigned long code = first_tls_error(bev);
    if (!self->heard_) {
      why = redis_tls_hangup(self->ssl_, code, why);
    } else if (code != 0) {
      why = "TLS: " + redis_tls_reason(code);
    }
  }
  self->lose(why);
}

void RedisAsync::on_read(bufferevent* bev, void* arg) {
  auto* self = static_cast<RedisAsync*>(arg);
  evbuffer* input = bufferevent_get_input(bev);
  std::array<char, 16384> chunk;
  for (;;) {
    const int n = evbuffer_remove(input, chunk.data(), chunk.size());
    if (n <= 0) break;
    self->heard_ = true;
    self->reader_.feed(chunk.data(), static_cast<size_t>(n));
    for (;;) {
      auto reply = self->reader_.next();
      if (!reply) return self->lose(reply.error());
      if (!*reply) break;
      self->deliver(std::move(*reply));
      if (self->failed_ || self->detached_) return;
    }
  }
}

// In RESP2 a subscribed connection's replies are pushes, the confirmations included.
bool RedisAsync::is_push(const redisReply* r) const {
  if (!subscribed_ || r->type != REDIS_REPLY_ARRAY || r->elements < 1) return false;
  const redisReply* kind = r->element[0];
  return is_text(kind, "pmessage") || is_text(kind, "message") || is_text(kind, "psubscribe") ||
         is_text(kind, "subscribe") || is_text(kind, "punsubscribe") ||
         is_text(kind, "unsubscribe");
}

void RedisAsync::deliver(RedisReplyPtr reply) {
  note_progress();
  if (is_push(reply.get())) {
    awaiting_push_ = false;
    if (events_.message) events_.message(reply.get());
    return;
  }
  if (handlers_.empty()) return lose("the server sent a reply to no command");
  // Out of the queue before it runs, so the handler may queue more or detach us.
  ReplyHandler handler = std::move(handlers_.front());
  handlers_.pop_front();
  handler(reply.get());
}

bool RedisAsync::send(std::span<const std::string_view> argv) {
  if (!bev_ || failed_ || detached_) return false;
  const std::string command = format_redis_command(argv);
  return bufferevent_write(bev_.get(), command.data(), command.size()) == 0;
}

bool RedisAsync::command(std::span<const std::string_view> argv, ReplyHandler handler) {
  if (!send(argv)) return false;
  if (handlers_.empty() && !awaiting_push_) note_progress();  // the stall clock starts now
  handlers_.push_back(std::move(handler));
  return true;
}

bool RedisAsync::psubscribe(std::string_view pattern) {
  const std::array<std::string_view, 2> argv = {"PSUBSCRIBE", pattern};
  if (!send(argv)) return false;
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
  if (!bev_ || failed_) return false;  // gone: `failed` already said so
  const bool outstanding = !connected_ || !handlers_.empty() || awaiting_push_;
  return outstanding && now - progress_at_ > timeout;
}

void RedisAsync::lose(const std::string& why) {
  if (failed_) return;
  // Nothing more is read or written; the bufferevent itself goes with this object, since
  // this runs inside one of its callbacks.
  if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  auto pending = std::move(handlers_);
  handlers_.clear();
  if (!detached_) {
    for (auto& handler : pending) {
      handler(nullptr);
      if (failed_ || detached_) break;
    }
  }
  fail(why);
}

void RedisAsync::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  ready_ = false;
  if (bev_) bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  if (!detached_ && events_.failed) events_.failed(why);
}

}  // namespace tern
