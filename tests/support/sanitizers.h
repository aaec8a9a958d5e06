#pragma once
// Which sanitizer this test binary (and so the ternd built with it) runs under, for the
// few tests whose subject a sanitizer's runtime changes: its allocator's memory, or its
// own need of descriptors.

namespace tern::test {

#if defined(__SANITIZE_ADDRESS__)
// The asan preset: AddressSanitizer with UBSan (CMakeLists.txt, TERN_ASAN).
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// How many times longer a test waits for ternd under a sanitizer: a Debug ASan ternd
// answered 20 pipelining clients' 361,060 requests in 24 s on a loaded 2-core machine, the
// Release one in under 4 s. Scales a bound on waiting for a condition, never a speed.
inline constexpr int kSanitizerSlowdown = kThreadSanitizer ? 5 : kAddressSanitizer ? 4 : 1;

}  // namespace tern::test
