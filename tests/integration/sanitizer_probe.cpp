// A program with one deliberate bug of the kind named by its argument, for
// sanitizer_reports_test: built like ternd (under the asan preset with ASan and UBSan), it
// shows where a report of a process a test starts ends up.

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace {

// Kept where the compiler cannot see through it, so the bugs below are not folded away.
volatile int sink = 0;

int heap_overflow() {
  std::vector<char> bytes(8);
  char* past = bytes.data() + bytes.size() + sink;
  return *past;
}

int signed_overflow() {
  int n = std::numeric_limits<int>::max() - sink;
  return n + 1;
}

int leak() {
  // Reachable from nothing once this returns: LeakSanitizer's report at exit.
  void* lost = std::malloc(64);
  std::memset(lost, 1, 64);
  lost = nullptr;
  return sink;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view bug = argc > 1 ? argv[1] : "";
  if (bug == "heap-buffer-overflow") return heap_overflow();
  if (bug == "signed-integer-overflow") return signed_overflow();
  if (bug == "leak") return leak();
  return 2;
}
