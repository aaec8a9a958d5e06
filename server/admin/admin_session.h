#pragma once
// The admin API's JSON for live allocations.

#include <span>
#include <string>

#include "server/turn/session_info.h"

namespace tern {

// A JSON array, one object per session, in the order given.
std::string sessions_json(std::span<const SessionInfo> sessions);

}  // namespace tern
