#include "base/redis/redis_resolver.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace tern {

// What the lookup thread and the loop share. The thread keeps it alive until it has
// written its answer, so a RedisResolver can go away mid-lookup.
struct RedisResolver::Lookup {
  explicit Lookup(int fd) : eventfd(fd) {}
  ~Lookup() {
    if (eventfd >= 0) ::close(eventfd);
  }
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;

  const int eventfd;
  std::mutex mutex;
  std::optional<Result<std::vector<std::string>, std::string>> answer;
};

namespace {

Result<std::vector<std::string>, std::string> lookup_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0) {
    return unexpected(std::string(gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(list, &freeaddrinfo);
  std::vector<std::string> v4, v6;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
      if (std::find(v4.begin(), v4.end(), text) == v4.end()) v4.emplace_back(text);
    } else if (a->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
      if (std::find(v6.begin(), v6.end(), text) == v6.end()) v6.emplace_back(text);
    }
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  if (v4.empty()) return unexpected(std::string("no IPv4 or IPv6 address"));
  return v4;
}

}  // namespace

bool is_ip_literal(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

RedisResolver::~RedisResolver() = default;

void RedisResolver::resolve(const std::string& host, Done done) {
  event_.reset();
  lookup_.reset();
  done_ = std::move(done);
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    // Still answered from the loop, as promised: through a timer that fires at once.
    auto failed = std::make_shared<Lookup>(-1);
    failed->answer = unexpected(std::string("eventfd failed"));
    lookup_ = failed;
    event_.reset(evtimer_new(base_, &RedisResolver::on_answer, this));
    const timeval now{0, 0};
    evtimer_add(event_.get(), &now);
    return;
  }
  lookup_ = std::make_shared<Lookup>(fd);
  event_.reset(event_new(base_, fd, EV_READ, &RedisResolver::on_answer, this));
  event_add(event_.get(), nullptr);
  auto work = [lookup = lookup_, host] {
    auto answer = lookup_host(host);
    {
      std::lock_guard lock(lookup->mutex);
      lookup->answer = std::move(answer);
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(lookup->eventfd, &one, sizeof one);
  };
  try {
    std::thread(work).detach();
  } catch (const std::system_error& e) {  // out of threads: answered as a failed lookup
    std::lock_guard lock(lookup_->mutex);
    lookup_->answer = unexpected(std::string("cannot start a lookup thread: ") + e.what());
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(lookup_->eventfd, &one, sizeof one);
  }
}

void RedisResolver::on_answer(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<RedisResolver*>(arg);
  std::optional<Result<std::vector<std::string>, std::string>> answer;
  {
    std::lock_guard lock(self->lookup_->mutex);
    answer = std::move(self->lookup_->answer);
  }
  self->event_.reset();
  self->lookup_.reset();
  Done done = std::move(self->done_);
  if (answer && done) done(std::move(*answer));
}

}  // namespace tern
