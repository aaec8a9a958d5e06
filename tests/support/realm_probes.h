#pragma once
// What the realm tests ask of a running ternd while a store changes under it: bounded
// polling (never a blind sleep) for an Allocate outcome or any other condition, and
// predicates for the outcomes they wait for.

#include <chrono>
#include <functional>
#include <string>

#include "tests/support/turn_fixture.h"

namespace tern::test {

struct Waited {
  bool reached = false;
  std::chrono::milliseconds elapsed{0};
};

// `done()` every `interval` until it is true or `bound` has passed.
Waited poll_until(const std::function<bool()>& done, std::chrono::milliseconds bound,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(100));

inline bool is_486(const TurnResult& r) {
  return r && !r->is_success() && r->code() == 486;
}
inline bool is_403(const TurnResult& r) {
  return r && !r->is_success() && r->code() == 403;
}

// "TurnResult: 403 Forbidden" or the transport error, for failure messages.
std::string outcome(const TurnResult& r);

}  // namespace tern::test
