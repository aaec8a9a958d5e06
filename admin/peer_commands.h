#pragma once
// `ternctl peer allow|deny|delete|list`: a realm's peer-address ranges in the store
// (coturn's allowed-peer-ip / denied-peer-ip, per realm).

#include <string>

#include "admin/command_support.h"
#include "admin/store_access.h"

namespace tern::admin {

using PeerList = auth::RedisStore::PeerList;

// The range is checked (peer_range_check.h) and stored trimmed; adding one already there
// fails.
int peer_add(const StoreArgs& args, PeerList list, const std::string& range, Streams io);
int peer_delete(const StoreArgs& args, PeerList list, const std::string& range, Streams io);
// Every realm unless args.realm is given.
int peer_list(const StoreArgs& args, Streams io);

}  // namespace tern::admin
