#pragma once
// SASLprep (RFC 4013) of a long-term password before it is hashed into a key.
//
// Why SASLprep and not RFC 8489's OpaqueString (RFC 8265 §4.2): every deployed client —
// browsers (libwebrtc), coturn's turnutils, pion — hashes RFC 5389 style, and the RFC 5769
// §2.4 / RFC 8489 B.1 vectors only come out with SASLprep: OpaqueString forbids the
// U+00AD soft hyphen that SASLprep maps to nothing. For printable ASCII, the passwords
// everyone uses, the two profiles agree.
//
// Passwords are "stored strings" in RFC 4013 §2 / RFC 3454 §7 terms (they come from the
// operator's configuration, never from the wire), so unassigned code points are refused:
// a later Unicode version could map them, and a key that silently changes meaning is worse
// than a config error.

#include <optional>
#include <string>
#include <string_view>

namespace tern::auth {

// The prepared UTF-8 string, or nullopt when `utf8` is not valid UTF-8, holds a NUL,
// a prohibited character (controls, private use, ...), an unassigned code point, or
// breaks the bidi rules.
std::optional<std::string> saslprep(std::string_view utf8);

}  // namespace tern::auth
