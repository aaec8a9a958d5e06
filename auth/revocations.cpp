#include "auth/revocations.h"

#include <fmt/format.h>

#include <algorithm>

#include "auth/rest_credentials.h"

namespace tern::auth {
namespace {

// A STUN USERNAME is at most 513 bytes (RFC 8489 §14.3): a longer name matches nobody.
constexpr size_t kMaxName = 513;

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<RevocationKind, std::string> revocation_kind(std::string_view name, char separator) {
  if (name.empty()) return unexpected(std::string("the username is empty"));
  if (name.size() > kMaxName) {
    return unexpected(fmt::format("the username is longer than {} bytes", kMaxName));
  }
  if (std::ranges::any_of(
          name, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    return unexpected(std::string("the username has a control character"));
  }
  if (rest_expiry(name, separator, ExpiryPosition::FirstOrLast)) {
    return RevocationKind::RestUsername;
  }
  if (name.find(separator) != std::string_view::npos) {
    return unexpected(fmt::format(
        "not a REST username (<expiry>{0}<user id>, the expiry in unix seconds) nor a user id "
        "(no '{0}')",
        separator));
  }
  return RevocationKind::UserId;
}

std::string_view rest_user_id(std::string_view username, char separator) {
  const size_t first = username.find(separator);
  if (first == std::string_view::npos) return {};
  if (all_digits(username.substr(0, first))) return username.substr(first + 1);
  const size_t last = username.rfind(separator);
  if (all_digits(username.substr(last + 1))) return username.substr(0, last);
  return {};
}

RevocationSet::RevocationSet(const std::vector<Revocation>& list) {
  for (const auto& r : list) {
    auto [it, added] = expiry_.try_emplace(r.name, r.expiry);
    if (!added) it->second = std::max(it->second, r.expiry);
  }
}

bool RevocationSet::in_force(std::string_view name, int64_t now) const {
  const auto it = expiry_.find(name);
  return it != expiry_.end() && it->second >= now;
}

bool RevocationSet::revoked(std::string_view username, int64_t now, char separator) const {
  if (in_force(username, now)) return true;
  const std::string_view id = rest_user_id(username, separator);
  return !id.empty() && in_force(id, now);
}

bool RevocationSet::is_new(const RevocationSet& before, int64_t now) const {
  for (const auto& [name, expiry] : expiry_) {
    if (expiry < now) continue;
    const auto it = before.expiry_.find(name);
    if (it == before.expiry_.end() || it->second < now) return true;
  }
  return false;
}

bool Revocations::set(Source source, std::vector<Revocation> list, int64_t now) {
  sources_[static_cast<size_t>(source)] = std::move(list);
  return publish(now);
}

bool Revocations::add(Source source, Revocation revocation, int64_t now) {
  sources_[static_cast<size_t>(source)].push_back(std::move(revocation));
  return publish(now);
}

bool Revocations::publish(int64_t now) {
  std::vector<Revocation> all;
  for (auto& list : sources_) {
    // Lapsed ones go: nothing they name can authenticate any more anyway.
    std::erase_if(list, [now](const Revocation& r) { return r.expiry < now; });
    all.insert(all.end(), list.begin(), list.end());
  }
  auto next = std::make_shared<const RevocationSet>(all);
  const bool fresh = next->is_new(*cell_.get(), now);
  any_.store(!next->empty(), std::memory_order_relaxed);
  cell_.set(std::move(next));
  return fresh;
}

}  // namespace tern::auth
