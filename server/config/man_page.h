#pragma once
// ternd(8), in roff, written from the option table: the OPTIONS section is the same rows
// `ternd --help` prints, so the manual cannot drift from the binary.

#include <string>
#include <string_view>

namespace tern {

// The whole page; `date` goes into its title line (e.g. "2026-12-03").
std::string ternd_man_page(std::string_view date);

}  // namespace tern
