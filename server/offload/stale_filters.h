#pragma once
// The clsact filters that ternds which are gone left on this namespace's interfaces.

#include <string>
#include <vector>

namespace tern {

// Removes them: the log's lines, one per pid. Only where the build has the BPF programs.
std::vector<std::string> remove_stale_filters();

}  // namespace tern
