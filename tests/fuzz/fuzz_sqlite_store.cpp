// The sqlite credential store as a hand-edited (or hostile) file presents it: the input
// becomes the rows of a database with tern's schema, values of any sqlite type in any
// column (sqlite does not enforce TEXT or INTEGER), and sometimes a schema version from
// the future. Then ternd's reader (SqliteCredentials::open and reload) and ternctl's
// (SqliteStore's lists) read it. Checks: a refusal is an error, never a crash or a
// throw; what is loaded holds only well-formed keys, a USERHASH per user, lookups that
// agree with the snapshot, and sorted peer lists.

#include <fuzzer/FuzzedDataProvider.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/long_term_key.h"
#include "auth/sqlite_schema.h"
#include "auth/sqlite_store.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace tern;
using namespace tern::auth;

constexpr std::string_view kRealm = "example.org";

std::string db_path() {
  const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/tern-fuzz-store-" + std::to_string(getpid()) + ".db";
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

// One column's value: usually text that looks like what belongs there, else any type.
void bind_value(sqlite3_stmt* stmt, int index, FuzzedDataProvider& in, std::string_view usual) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      sqlite3_bind_text(stmt, index, usual.data(), static_cast<int>(usual.size()),
                        SQLITE_TRANSIENT);
      break;
    case 1:
      sqlite3_bind_int64(stmt, index, in.ConsumeIntegral<int64_t>());
      break;
    case 2: {
      const auto blob = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 80));
      sqlite3_bind_blob(stmt, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
      break;
    }
    case 3:
      sqlite3_bind_null(stmt, index);
      break;
    case 4:
      sqlite3_bind_double(stmt, index, in.ConsumeFloatingPoint<double>());
      break;
    default: {
      const std::string text = in.ConsumeRandomLengthString(80);
      sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
  }
}

std::string hex_of(FuzzedDataProvider& in, size_t bytes) {
  return to_hex(in.ConsumeBytes<uint8_t>(bytes));
}

void insert_rows(sqlite3* db, FuzzedDataProvider& in) {
  static constexpr const char* kInserts[] = {
      "INSERT OR IGNORE INTO users (realm, name, md5_key_hex, sha256_key_hex) VALUES (?,?,?,?)",
      "INSERT OR IGNORE INTO secrets (realm, value, created) VALUES (?,?,?)",
      ("INSERT OR IGNORE INTO realm_options (realm, user_quota, total_quota, max_bps) "
       "VALUES (?,?,?,?)"),
      "INSERT OR IGNORE INTO peer_ranges (realm, kind, range) VALUES (?,?,?)",
  };
  for (int row = 0; row < 32 && in.remaining_bytes() > 0; ++row) {
    const int table = in.ConsumeIntegralInRange<int>(0, 3);
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, kInserts[table], -1, &raw, nullptr) != SQLITE_OK) return;
    const sqlite::StmtPtr stmt(raw);
    const std::string name = in.ConsumeRandomLengthString(24);
    bind_value(raw, 1, in, kRealm);
    if (table == 0) {
      bind_value(raw, 2, in, name);
      bind_value(raw, 3, in, hex_of(in, 16));
      bind_value(raw, 4, in, hex_of(in, in.ConsumeBool() ? 32 : 48));
    } else if (table == 1) {
      bind_value(raw, 2, in, name);
      bind_value(raw, 3, in, "1700000000");
    } else if (table == 2) {
      bind_value(raw, 2, in, "5");
      bind_value(raw, 3, in, "10");
      bind_value(raw, 4, in, "100000");
    } else {
      bind_value(raw, 2, in, in.ConsumeBool() ? "allowed" : "denied");
      bind_value(raw, 3, in, name);
    }
    (void)sqlite3_step(raw);
  }
}

void check_loaded(const SqliteCredentials& store, const SqliteCredentials::LoadSummary& summary) {
  const auto snapshot = store.snapshot();
  TERN_FUZZ_CHECK(snapshot != nullptr);
  TERN_FUZZ_CHECK(summary.users == store.user_count() && snapshot->users.size() == summary.users);
  TERN_FUZZ_CHECK(snapshot->by_userhash.size() == snapshot->users.size());
  for (const auto& [name, keys] : snapshot->users) {
    TERN_FUZZ_CHECK(!keys.md5.empty() || !keys.sha256.empty());
    TERN_FUZZ_CHECK(keys.md5.empty() || keys.md5.bytes().size() == 16);
    TERN_FUZZ_CHECK(keys.sha256.empty() || keys.sha256.bytes().size() == 32);
    const auto who = store.username_for_userhash(userhash(name, kRealm), kRealm);
    TERN_FUZZ_CHECK(who && *who == name);
    CandidateKeys md5;
    TERN_FUZZ_CHECK(store.lookup(name, kRealm, PasswordAlgorithm::Md5, 0, md5) ==
                    !keys.md5.empty());
  }
  TERN_FUZZ_CHECK(store.secrets() && store.secrets()->size() == summary.secrets);
  TERN_FUZZ_CHECK(std::ranges::is_sorted(snapshot->allowed_peer_ranges));
  TERN_FUZZ_CHECK(std::ranges::is_sorted(snapshot->denied_peer_ranges));
  for (const auto& note : summary.skipped) TERN_FUZZ_CHECK(!note.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Removed when libFuzzer exits after its time is up.
  static const struct TempDb {
    ~TempDb() { remove_db(path); }
    std::string path = db_path();
  } db_file;
  const std::string& path = db_file.path;
  FuzzedDataProvider in(data, size);
  remove_db(path);
  {
    auto created = SqliteStore::open(path);  // the schema, as ternctl makes it
    TERN_FUZZ_CHECK(created.ok());
  }
  {
    auto db = sqlite::open_database(path, sqlite::OpenMode::ExistingOnly);
    TERN_FUZZ_CHECK(db.ok());
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
      const std::string version =
          "PRAGMA user_version = " + std::to_string(in.ConsumeIntegralInRange<int>(-2, 99));
      (void)sqlite::exec(db->get(), version.c_str());
    }
    insert_rows(db->get(), in);
  }

  auto server = SqliteCredentials::open(path, std::string(kRealm));
  if (server) {
    auto again = (*server)->reload();
    TERN_FUZZ_CHECK(again.ok());
    check_loaded(**server, *again);
  } else {
    TERN_FUZZ_CHECK(!server.error().message.empty());
  }

  if (auto admin = SqliteStore::open(path, sqlite::OpenMode::ExistingOnly)) {
    if (auto users = admin->list_users()) {
      TERN_FUZZ_CHECK(std::ranges::is_sorted(*users, [](const auto& a, const auto& b) {
        return std::tie(a.realm, a.name) < std::tie(b.realm, b.name);
      }));
    }
    (void)admin->list_secrets();
    (void)admin->realm_options(kRealm);
    (void)admin->realms();
  }
  return 0;
}
