#pragma once
// ternctl as an operator runs it beside a live ternd: where the build put it, running it
// bounded in time, and reading the flat JSON objects its --json prints.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.h"

namespace tern::test {

// <build>/admin/ternctl, found beside ternd (<build>/server/ternd). The integration tests
// do not depend on the ternctl target, so a partial build may lack it: check exists().
std::filesystem::path ternctl_path();

// ternctl `args`, its output kept in files under `dir`; bounded by 10 s.
CommandResult run_ternctl(const std::vector<std::string>& args, const std::filesystem::path& dir);

// The string member `key` of a flat JSON object (escapes \" \\ \/ undone); nullopt when
// absent or not a string. Enough for ternctl's one-line objects, not a JSON parser.
std::optional<std::string> json_string_member(std::string_view json, std::string_view key);

}  // namespace tern::test
