#pragma once
// What one worker keeps between credential lookups (CredentialSource::lookup_for_worker),
// so the per-request work is the hashing alone. Not thread-safe: one per worker.

#include "auth/rest_password.h"

namespace tern::auth {

struct LookupScratch {
  RestSecretsContext rest;
};

}  // namespace tern::auth
