#include "server/shared/realm_limits.h"

#include <algorithm>

#include "base/ip_range.h"

namespace tern {
namespace {

template <typename T>
T first_set(T configured, std::span<const auth::RealmOptions> stores,
            T auth::RealmOptions::*field) {
  for (const auto& s : stores) {
    if (s.*field != 0) return s.*field;
  }
  return configured;
}

void add_parsed(const std::vector<std::string>& texts, const char* list, std::vector<IpRange>& into,
                std::vector<std::string>& bad) {
  for (const auto& text : texts) {
    auto r = IpRange::parse(text);
    if (r) {
      into.push_back(*r);
    } else {
      bad.push_back(std::string(list) + " " + text + ": " + r.error());
    }
  }
}

}  // namespace

auth::RealmOptions effective_options(const auth::RealmOptions& configured,
                                     std::span<const auth::RealmOptions> stores) {
  return {first_set(configured.user_quota, stores, &auth::RealmOptions::user_quota),
          first_set(configured.total_quota, stores, &auth::RealmOptions::total_quota),
          first_set(configured.max_bps, stores, &auth::RealmOptions::max_bps)};
}

StoreRanges merge_ranges(std::span<const std::shared_ptr<const auth::CredentialSnapshot>> stores) {
  StoreRanges out;
  for (const auto& s : stores) {
    out.allowed.insert(out.allowed.end(), s->allowed_peer_ranges.begin(),
                       s->allowed_peer_ranges.end());
    out.denied.insert(out.denied.end(), s->denied_peer_ranges.begin(), s->denied_peer_ranges.end());
  }
  for (auto* list : {&out.allowed, &out.denied}) {
    std::ranges::sort(*list);
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return out;
}

PeerPolicyConfig with_store_ranges(PeerPolicyConfig base, const StoreRanges& ranges,
                                   std::vector<std::string>& bad) {
  add_parsed(ranges.allowed, "allowed-peer-ip", base.allowed, bad);
  add_parsed(ranges.denied, "denied-peer-ip", base.denied, bad);
  return base;
}

}  // namespace tern
