#pragma once
// The reason OpenSSL gives for the error it queued last, for a log line or a startup error.

#include <string>

namespace tern {

// Takes the oldest queued error and clears the rest, so the next call starts clean.
std::string openssl_reason();

}  // namespace tern
