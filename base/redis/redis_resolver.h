#pragma once
// Host names for the Redis connection, resolved without blocking the loop. getaddrinfo
// blocks (DNS), so each lookup runs on a short-lived thread of its own and its answer
// comes back through an eventfd the loop watches. A numeric address needs no lookup.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/redis/redis_async.h"  // RedisEventPtr
#include "protocol/result.h"

struct event_base;

namespace tern {

// The host itself when it is an IPv4 or IPv6 literal.
bool is_ip_literal(const std::string& host);

class RedisResolver {
 public:
  // Numeric addresses, IPv4 first (a Redis bound to 127.0.0.1 only is the common case
  // behind "localhost"), or getaddrinfo's error.
  using Done = std::function<void(Result<std::vector<std::string>, std::string>)>;

  explicit RedisResolver(event_base* base) : base_(base) {}
  // A lookup still running finishes on its thread and its answer is dropped.
  ~RedisResolver();
  RedisResolver(const RedisResolver&) = delete;
  RedisResolver& operator=(const RedisResolver&) = delete;

  // Replaces any lookup in flight. `done` runs on the loop, never from inside resolve().
  void resolve(const std::string& host, Done done);

 private:
  struct Lookup;
  static void on_answer(int fd, short what, void* arg);

  event_base* base_;
  std::shared_ptr<Lookup> lookup_;  // shared with the lookup's thread
  RedisEventPtr event_;
  Done done_;
};

}  // namespace tern
