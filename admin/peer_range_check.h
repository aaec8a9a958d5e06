#pragma once
// ternctl's check of a peer range before it goes into a store, with the forms ternd's
// --allowed-peer-ip reads: "IP", "IP-IP" (inclusive, one family, first <= last) and
// "IP/len" with no bits set past the prefix. ternd parses the stored text again when it
// loads it; this only keeps a typo out of the store.

#include <optional>
#include <string>
#include <string_view>

namespace tern::admin {

// nullopt when `range` is acceptable, else why not ("\"10.0.0.300\": ...").
std::optional<std::string> peer_range_error(std::string_view range);

}  // namespace tern::admin
