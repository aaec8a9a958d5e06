#pragma once
// The little JSON ternctl prints: string literals that stay valid whatever bytes a
// database row holds, so `ternctl ... --json | jq` never breaks on a hand-edited name.

#include <string>
#include <string_view>

namespace tern::admin {

// `s` as a quoted JSON string. Quotes, backslashes and control characters are escaped;
// bytes that are not UTF-8 become U+FFFD, since JSON text must be UTF-8.
std::string json_string(std::string_view s);

}  // namespace tern::admin
