#pragma once
// `ternctl user add|delete|list`: the work behind each command, apart from argument
// parsing, so each returns the exit code the process ends with.

#include <optional>
#include <string>

#include "admin/command_support.h"
#include "admin/store_access.h"

namespace tern::admin {

// A random password is made (and printed) when `password` is nullopt.
int user_add(const StoreArgs& args, const std::string& name,
             const std::optional<std::string>& password, Streams io);
int user_delete(const StoreArgs& args, const std::string& name, Streams io);
// Every realm unless args.realm is given.
int user_list(const StoreArgs& args, Streams io);

}  // namespace tern::admin
