#include "admin/peer_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "admin/peer_range_check.h"
#include "admin/sqlite_peer_ranges.h"
#include "base/json_writer.h"

namespace tern::admin {
namespace {

using auth::sqlite::OpenMode;

constexpr PeerList kLists[] = {PeerList::Allowed, PeerList::Denied};

std::string_view list_word(PeerList list) {
  return list == PeerList::Allowed ? "allowed" : "denied";
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Runs `work(realms, ranges)` with the store's realm list and its peer ranges: one
// RedisStore for both, or SqliteStore and the sqlite peer_ranges table.
template <typename Work>
int with_peer_store(const StoreArgs& args, OpenMode mode, Streams io, Work&& work) {
  if (!args.redis_userdb.empty()) {
    auto store = open_redis(args, io);
    if (!store) return store.error();
    return work(*store, *store);
  }
  auto store = open_store(args, mode, io);
  if (!store) return store.error();
  auto ranges = SqlitePeerRanges::open(args.userdb, OpenMode::ExistingOnly);
  if (!ranges) return report(io, kExitFailed, ranges.error().message);
  return work(*store, *ranges);
}

struct Row {
  std::string realm;
  PeerList list;
  std::string range;
};

void print_rows(const StoreArgs& args, const std::vector<Row>& rows, Streams io) {
  if (args.json) {
    JsonWriter j;
    j.begin_array();
    for (const auto& r : rows) {
      j.begin_object().field("realm", r.realm).field("list", list_word(r.list));
      j.field("range", r.range).end_object();
    }
    io.out << j.end_array().text() << '\n';
  } else {
    for (const auto& r : rows) {
      io.out << printable(r.realm) << '\t' << list_word(r.list) << '\t' << printable(r.range)
             << '\n';
    }
  }
}

}  // namespace

int peer_add(const StoreArgs& args, PeerList list, const std::string& range_text, Streams io) {
  if (auto bad = peer_range_error(range_text)) return report(io, kExitUsage, *bad);
  const std::string range = trimmed(range_text);
  return with_peer_store(
      args, OpenMode::CreateIfMissing, io, [&](auto& realms, auto& ranges) -> int {
        auto realm = resolve_realm(args, realms, io);
        if (!realm) return realm.error();
        if (auto added = ranges.add_peer_range(*realm, list, range); !added) {
          return report(io, kExitFailed, added.error().message);
        }
        if (args.json) {
          print_rows(args, {{*realm, list, range}}, io);
        } else {
          io.out << fmt::format("added {} peer range {} in realm {}\n", list_word(list),
                                printable(range), printable(*realm));
        }
        return kExitOk;
      });
}

int peer_delete(const StoreArgs& args, PeerList list, const std::string& range_text, Streams io) {
  const std::string range = trimmed(range_text);
  return with_peer_store(args, OpenMode::ExistingOnly, io, [&](auto& realms, auto& ranges) -> int {
    auto realm = resolve_realm(args, realms, io);
    if (!realm) return realm.error();
    if (auto deleted = ranges.delete_peer_range(*realm, list, range); !deleted) {
      return report(io, kExitFailed, deleted.error().message);
    }
    if (args.json) {
      JsonWriter j;
      j.begin_object().field("realm", *realm).field("list", list_word(list));
      j.field("range", range).field("deleted", true).end_object();
      io.out << j.text() << '\n';
    } else {
      io.out << fmt::format("deleted {} peer range {} in realm {}\n", list_word(list),
                            printable(range), printable(*realm));
    }
    return kExitOk;
  });
}

int peer_list(const StoreArgs& args, Streams io) {
  return with_peer_store(args, OpenMode::ExistingOnly, io, [&](auto& store, auto& ranges) -> int {
    std::vector<std::string> realms;
    if (args.realm) {
      realms.push_back(*args.realm);
    } else {
      auto all = store.realms();
      if (!all) return report(io, kExitFailed, all.error().message);
      realms = std::move(*all);
    }
    std::vector<Row> rows;
    for (const auto& realm : realms) {
      for (PeerList list : kLists) {
        auto found = ranges.peer_ranges(realm, list);
        if (!found) return report(io, kExitFailed, found.error().message);
        std::ranges::sort(*found);
        for (auto& r : *found) rows.push_back({realm, list, std::move(r)});
      }
    }
    print_rows(args, rows, io);
    return kExitOk;
  });
}

}  // namespace tern::admin
