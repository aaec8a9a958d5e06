#pragma once
// Passwords ternctl makes up when the operator gives none.

#include <optional>
#include <string>

namespace tern::admin {

// 16 base64url characters (96 bits) from OpenSSL's CSPRNG: safe in a shell, a URL and a
// turnserver.conf line. nullopt only when the CSPRNG cannot be seeded.
std::optional<std::string> random_password();

}  // namespace tern::admin
