#pragma once
// Which sanitizer this test binary (and so the ternd built with it) runs under, for the
// few tests whose subject a sanitizer's runtime changes: its allocator's memory, or its
// own need of descriptors.

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

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

// The environment entry (for TerndOptions::env) of a ternd whose RSS a test judges: ASan's
// quarantine (256 MB) keeps freed memory from being reused, so RSS would grow by what ternd
// freed, not by what it holds. The options ctest gave the test are kept. Nothing outside ASan.
inline std::vector<std::string> asan_without_quarantine() {
  if (!kAddressSanitizer) return {};
  const char* inherited = std::getenv("ASAN_OPTIONS");
  return {std::string("ASAN_OPTIONS=") + (inherited ? inherited : "") + " quarantine_size_mb=0"};
}

// The exit status of a process a sanitizer ended, under the asan preset's ctest
// (tests/CMakeLists.txt sets it in ASAN_OPTIONS and UBSAN_OPTIONS): no tern program exits
// with it, so a test expecting ternd to fail cannot take a sanitizer's death for that.
inline constexpr int kSanitizerExitCode = 86;

// Whether a process's output holds a sanitizer's report. GCC's UBSan always writes its
// reports there (its runtime ignores log_path), and so does ASan outside ctest.
inline bool has_sanitizer_report(std::string_view output) {
  for (std::string_view marker :
       {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"}) {
    if (output.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace tern::test
