#include "admin/realm_commands.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>

#include "base/json_writer.h"

namespace tern::admin {
namespace {

using auth::RealmOptions;
using auth::sqlite::OpenMode;

std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

// Applies "name=value" to `options`; the error is the usage message.
std::optional<std::string> apply_option(std::string_view assignment, RealmOptions& options) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    return fmt::format("\"{}\" is not NAME=VALUE (user-quota, total-quota, max-bps)", assignment);
  }
  const std::string_view name = assignment.substr(0, eq);
  const std::string_view value = assignment.substr(eq + 1);
  constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t kI64 = std::numeric_limits<int64_t>::max();
  const uint64_t max = name == "max-bps" ? kI64 : kU32;
  if (name != "user-quota" && name != "total-quota" && name != "max-bps") {
    return fmt::format("unknown realm option \"{}\" (user-quota, total-quota, max-bps)", name);
  }
  auto n = parse_decimal(value, max);
  if (!n) return fmt::format("{}: \"{}\" is not a number from 0 to {}", name, value, max);
  if (name == "user-quota") options.user_quota = static_cast<uint32_t>(*n);
  if (name == "total-quota") options.total_quota = static_cast<uint32_t>(*n);
  if (name == "max-bps") options.max_bps = *n;
  return std::nullopt;
}

void print(const StoreArgs& args, const std::string& realm, const RealmOptions& o, Streams io) {
  if (args.json) {
    JsonWriter j;
    j.begin_object().field("realm", realm).field("user_quota", o.user_quota);
    j.field("total_quota", o.total_quota).field("max_bps", o.max_bps).end_object();
    io.out << j.text() << '\n';
  } else {
    io.out << fmt::format("realm {}: user-quota={} total-quota={} max-bps={}\n", printable(realm),
                          o.user_quota, o.total_quota, o.max_bps);
  }
}

}  // namespace

int realm_set(const StoreArgs& args, const std::string& realm,
              const std::vector<std::string>& assignments, Streams io) {
  if (assignments.empty()) {
    return report(io, kExitUsage, "nothing to set: give user-quota=N, total-quota=N or max-bps=N");
  }
  // Every assignment is checked before the store is touched: all or nothing.
  RealmOptions probe;
  for (const auto& a : assignments) {
    if (auto bad = apply_option(a, probe)) return report(io, kExitUsage, *bad);
  }
  return with_store(args, OpenMode::CreateIfMissing, io, [&](auto& store) -> int {
    auto options = store.realm_options(realm);
    if (!options) return report(io, kExitFailed, options.error().message);
    for (const auto& a : assignments) apply_option(a, *options);
    if (auto set = store.set_realm_options(realm, *options); !set) {
      return report(io, kExitFailed, set.error().message);
    }
    print(args, realm, *options, io);
    return kExitOk;
  });
}

int realm_show(const StoreArgs& args, const std::string& realm, Streams io) {
  return with_store(args, OpenMode::ExistingOnly, io, [&](auto& store) -> int {
    auto options = store.realm_options(realm);
    if (!options) return report(io, kExitFailed, options.error().message);
    print(args, realm, *options, io);
    return kExitOk;
  });
}

}  // namespace tern::admin
