#pragma once
// `ternctl secret add|delete|list`: REST-API shared secrets (coturn's
// --static-auth-secret, kept in the store so they rotate without a restart). Several may
// be valid at once; ternd tries the newest first.

#include <string>

#include "admin/command_support.h"
#include "admin/store_access.h"

namespace tern::admin {

int secret_add(const StoreArgs& args, const std::string& value, Streams io);
int secret_delete(const StoreArgs& args, const std::string& value, Streams io);
// Every realm unless args.realm is given; newest first.
int secret_list(const StoreArgs& args, Streams io);

}  // namespace tern::admin
