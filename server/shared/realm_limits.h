#pragma once
// What the credential stores add to ternd's own configuration for its realm, and how the
// two combine (`ternctl realm set`, `ternctl peer allow|deny`, or coturn's Redis keys):
//  - user-quota, total-quota, max-bps: a value set in a store (non-zero) wins over the
//    flag (--user-quota, --total-quota, --max-bps); a store value removed or set to 0
//    gives the flag back. With both stores configured, sqlite's value comes first.
//  - allowed and denied peer ranges: added to --allowed-peer-ip and --denied-peer-ip (an
//    allowed range still wins over every denial, as on the command line).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "auth/credential_snapshot.h"
#include "server/shared/peer_policy.h"

namespace tern {

// Each option of `configured`, unless the first store in `stores` that sets it does.
auth::RealmOptions effective_options(const auth::RealmOptions& configured,
                                     std::span<const auth::RealmOptions> stores);

// Every store's peer ranges, each list sorted and without repeats.
struct StoreRanges {
  std::vector<std::string> allowed, denied;

  bool operator==(const StoreRanges&) const = default;
};
StoreRanges merge_ranges(std::span<const std::shared_ptr<const auth::CredentialSnapshot>> stores);

// `base` with the store's ranges added. A range that does not parse is left out and its
// error ("denied-peer-ip 10.0.0.300: ...") appended to `bad`: one typo in a store must not
// take the other ranges, or the server, down.
PeerPolicyConfig with_store_ranges(PeerPolicyConfig base, const StoreRanges& ranges,
                                   std::vector<std::string>& bad);

}  // namespace tern
