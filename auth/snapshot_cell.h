#pragma once
// The current snapshot of something one thread rebuilds and many threads read (a store's
// credentials, the realm's peer policy). The mutex is held only to copy or swap the
// pointer, never across a rebuild, so a reader waits at most for a reference count.
// (libstdc++ 12's std::atomic<std::shared_ptr> is a lock too, and its load() unlocks with
// relaxed order, which ThreadSanitizer reports as a race: google/sanitizers#1558.)

#include <memory>
#include <mutex>

namespace tern::auth {

template <typename T>
class SnapshotCell {
 public:
  explicit SnapshotCell(std::shared_ptr<const T> first = std::make_shared<const T>())
      : current_(std::move(first)) {}

  std::shared_ptr<const T> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(std::shared_ptr<const T> next) {
    {
      std::lock_guard lock(mutex_);
      current_.swap(next);
    }
    // `next` now holds the old snapshot: freed here, outside the lock, unless in use.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
};

}  // namespace tern::auth
