#pragma once
// What the fuzzers share: an invariant that fails is a crash libFuzzer records, in every
// build (assert would vanish under NDEBUG).

#include <cstdio>
#include <cstdlib>

#define TERN_FUZZ_CHECK(cond)                                                           \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
