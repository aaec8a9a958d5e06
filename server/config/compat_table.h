#pragma once
// README's table of coturn's options and what tern does with each, written from the option
// table (`ternd --print-compat-table`); a test keeps README.md equal to it.

#include <string>

namespace tern {

// A Markdown table, one row per option, sorted by name.
std::string compat_table();

}  // namespace tern
