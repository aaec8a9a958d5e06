#pragma once
// `ternctl realm set|show`: a realm's options in the store, with coturn's names
// (user-quota, total-quota, max-bps; 0 is unlimited).

#include <string>
#include <vector>

#include "admin/command_support.h"
#include "admin/store_access.h"

namespace tern::admin {

// `assignments` are "name=value"; options not named keep their stored values. An unknown
// name or a value out of range is a usage error and nothing is written.
int realm_set(const StoreArgs& args, const std::string& realm,
              const std::vector<std::string>& assignments, Streams io);
int realm_show(const StoreArgs& args, const std::string& realm, Streams io);

}  // namespace tern::admin
