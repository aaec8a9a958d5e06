#pragma once
// One kind of WARNING line (a failed login, a refused peer, a failed TLS handshake, an
// admin 401) bounded by a SourceLineBudget: it writes the "suppressed N similar" lines the
// budget hands back, and says whether this line may be written. Each kind keeps only its
// own wording.

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/transport_address.h"
#include "server/shared/source_line_budget.h"

namespace tern {

class Logger;

class BudgetedLog {
 public:
  // `log` may be null (nothing is written); it must outlive this. `what` names the kind in
  // the suppressed lines ("peer refused") and must outlive this too (a literal).
  BudgetedLog(Logger* log, std::string_view what, uint32_t per_source, uint32_t per_minute)
      : log_(log), what_(what), budget_(per_source, per_minute) {}

  // True when a line about `source` may be written now; first says what the budget hands
  // back. `shown` is the source as the suppressed line names it (default: its IP).
  bool admit(const TransportAddress& source, int64_t now_ms, std::string_view shown = {});
  // From the global budget only (a line said once per event); nullopt: not now. Else the
  // lines not logged in all sources' minute before, for the caller's own wording.
  std::optional<uint64_t> admit_global(int64_t now_ms);
  // The "suppressed N similar" of sources that stopped (the main thread's tick).
  void flush(int64_t now_ms);
  Logger& logger() const { return *log_; }

 private:
  void say_suppressed(uint64_t count, std::string_view source);

  Logger* log_;
  std::string_view what_;
  SourceLineBudget budget_;
};

}  // namespace tern
