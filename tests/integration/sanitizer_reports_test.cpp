// Under the asan preset a sanitizer report of any process a test starts cannot go
// unnoticed (tests/CMakeLists.txt sets ASAN_OPTIONS and UBSAN_OPTIONS for every test): the
// process exits with kSanitizerExitCode, and the report reaches sanitizer-reports/ in the
// build tree, where `make ASAN=1 test` looks after ctest, or, from GCC's UBSan, stderr. Each
// case runs sanitizer_probe, built like ternd, with one deliberate bug.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>

#include "tests/support/process.h"
#include "tests/support/sanitizers.h"
#include "tests/support/temp_dir.h"

#ifndef SANITIZER_PROBE_PATH
#error "SANITIZER_PROBE_PATH must name sanitizer_probe (tests/integration/CMakeLists.txt)"
#endif

namespace tern::test {
namespace {

#if defined(__clang__)
constexpr bool kUbsanIgnoresLogPath = false;  // one runtime for ASan and UBSan
#else
constexpr bool kUbsanIgnoresLogPath = true;  // libubsan beside libasan: see tests/CMakeLists.txt
#endif

struct ProbeCase {
  const char* name;
  const char* bug;     // sanitizer_probe's argument
  const char* report;  // what the sanitizer's report names
  bool only_in_stderr = false;
};

// ctest's test names show the bug, not the struct's bytes.
void PrintTo(const ProbeCase& c, std::ostream* os) {
  *os << c.bug;
}

class SanitizerReportsTest : public testing::TestWithParam<ProbeCase> {};

TEST_P(SanitizerReportsTest, AReportFailsTheProcessAndIsKept) {
  if (!kAddressSanitizer) GTEST_SKIP() << "only the asan preset (ASan+UBSan) writes reports";
  const char* options = std::getenv("ASAN_OPTIONS");
  ASSERT_NE(options, nullptr) << "ASAN_OPTIONS unset: run this test through ctest";

  TempDir dir;
  pid_t pid = spawn({SANITIZER_PROBE_PATH, GetParam().bug}, dir / "stdout", dir / "stderr");
  ASSERT_GT(pid, 0);
  ExitStatus status = wait_for_exit(pid, std::chrono::seconds(60));

  const auto report = std::filesystem::path(TERN_BINARY_DIR) / "sanitizer-reports" /
                      ("report." + std::to_string(pid));
  std::string text = read_file(report);
  // Taken away at once: the deliberate report must not fail the run it checks.
  std::filesystem::remove(report);
  std::string err = read_file(dir / "stderr");
  EXPECT_EQ(status.code, kSanitizerExitCode) << status.describe();
  if (GetParam().only_in_stderr) {
    EXPECT_TRUE(has_sanitizer_report(err)) << "probe stderr:\n" << tail(err);
    EXPECT_NE(err.find(GetParam().report), std::string::npos) << "probe stderr:\n" << tail(err);
  } else {
    EXPECT_NE(text.find(GetParam().report), std::string::npos)
        << "no report in " << report << " (ASAN_OPTIONS=" << options << ")\nprobe stderr:\n"
        << tail(err);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Bugs, SanitizerReportsTest,
    testing::Values(ProbeCase{"HeapBufferOverflow", "heap-buffer-overflow",
                              "ERROR: AddressSanitizer: heap-buffer-overflow"},
                    ProbeCase{"SignedIntegerOverflow", "signed-integer-overflow",
                              "runtime error: signed integer overflow", kUbsanIgnoresLogPath},
                    ProbeCase{"Leak", "leak", "ERROR: LeakSanitizer: detected memory leaks"}),
    [](const testing::TestParamInfo<ProbeCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tern::test
