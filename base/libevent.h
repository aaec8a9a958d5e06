#pragma once
// Owners for libevent and OpenSSL objects: unique_ptr with a deleter, so every event,
// base, bufferevent, listener and SSL object is freed exactly once.

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include <memory>

namespace tern {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    if (p) Fn(p);
  }
};

using EventBasePtr = std::unique_ptr<event_base, Deleter<event_base_free>>;
using EventPtr = std::unique_ptr<event, Deleter<event_free>>;
using BufferEventPtr = std::unique_ptr<bufferevent, Deleter<bufferevent_free>>;
using EvBufferPtr = std::unique_ptr<evbuffer, Deleter<evbuffer_free>>;
using ListenerPtr = std::unique_ptr<evconnlistener, Deleter<evconnlistener_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;

}  // namespace tern
