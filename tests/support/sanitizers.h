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

}  // namespace tern::test
