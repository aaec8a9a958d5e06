#include "server/shared/budgeted_log.h"

#include "base/log.h"

namespace tern {

bool BudgetedLog::admit(const TransportAddress& source, int64_t now_ms, std::string_view shown) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return false;
  const auto t = budget_.take(source, static_cast<uint32_t>(now_ms / 1000));
  if (t.suppressed_source > 0) {
    say_suppressed(t.suppressed_source, shown.empty() ? source.ip_string() : std::string(shown));
  }
  if (t.suppressed_all > 0) say_suppressed(t.suppressed_all, "*");
  return t.log;
}

std::optional<uint64_t> BudgetedLog::admit_global(int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return std::nullopt;
  const auto t = budget_.take_global(static_cast<uint32_t>(now_ms / 1000));
  if (!t.log) return std::nullopt;
  return t.suppressed_all;
}

void BudgetedLog::flush(int64_t now_ms) {
  if (log_ == nullptr) return;
  for (const auto& e : budget_.ended(static_cast<uint32_t>(now_ms / 1000))) {
    say_suppressed(e.suppressed, e.source);
  }
}

void BudgetedLog::say_suppressed(uint64_t count, std::string_view source) {
  log_->warning("suppressed {} similar lines: {} source={} window={}s", count, what_, source,
                SourceLineBudget::kWindowS);
}

}  // namespace tern
