// The sqlite credential store (auth/sqlite_store.h), on real files in a temp directory.
// Lives with the admin tests until tern_auth links SQLite3; then it moves to tests/auth.
#include "auth/sqlite_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "tests/support/temp_dir.h"

namespace tern::auth {
namespace {

// The store takes paths as strings and names them in its messages.
class TempDir {
 public:
  std::string operator/(const std::string& name) const { return (dir_ / name).string(); }

 private:
  test::TempDir dir_;
};
using Kind = StoreError::Kind;

// Reads or changes the file behind the store's back, as an operator with sqlite3 could.
std::string sql_value(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  std::string result;
  char* error = nullptr;
  sqlite3_exec(
      db.get(), sql.c_str(),
      [](void* out, int columns, char** values, char**) {
        if (columns > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &result, &error);
  if (error != nullptr) {
    ADD_FAILURE() << sql << ": " << error;
    sqlite3_free(error);
  }
  return result;
}

std::string hex(std::span<const uint8_t> bytes) {
  std::string s;
  for (uint8_t b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

SqliteStore open_store(const std::string& path) {
  auto store = SqliteStore::open(path);
  if (!store) ADD_FAILURE() << store.error().message;
  return std::move(*store);
}

std::unique_ptr<SqliteCredentials> open_credentials(const std::string& path,
                                                    const std::string& realm) {
  auto credentials = SqliteCredentials::open(path, realm);
  if (!credentials) {
    ADD_FAILURE() << credentials.error().message;
    return nullptr;
  }
  return std::move(*credentials);
}

std::optional<Key> lookup(const CredentialSource& source, std::string_view name,
                          std::string_view realm, PasswordAlgorithm algorithm) {
  CandidateKeys out;
  if (!source.lookup(name, realm, algorithm, 0, out)) return std::nullopt;
  EXPECT_EQ(out.size(), 1u);
  return out.keys()[0];
}

// ---- schema ----------------------------------------------------------------------------

TEST(SqliteSchema, FreshFile_GetsEveryTableOfEveryMigration) {
  TempDir dir;
  open_store(dir / "t.db");
  EXPECT_EQ(sql_value(dir / "t.db", "PRAGMA user_version"), "2");
  EXPECT_EQ(sql_value(dir / "t.db",
                      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                      "WHERE type = 'table' ORDER BY name)"),
            "peer_ranges,realm_options,revoked,secrets,users");
}

TEST(SqliteSchema, FreshFile_IsInWalMode) {
  TempDir dir;
  open_store(dir / "t.db");
  EXPECT_EQ(sql_value(dir / "t.db", "PRAGMA journal_mode"), "wal");
}

TEST(SqliteSchema, PeerRangeKind_IsAllowedOrDenied) {
  TempDir dir;
  open_store(dir / "t.db");
  sql_value(dir / "t.db", "INSERT INTO peer_ranges VALUES ('r', 'allowed', '10.0.0.0/8')");
  sqlite3* raw = nullptr;
  sqlite3_open((dir / "t.db").c_str(), &raw);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  EXPECT_NE(sqlite3_exec(db.get(), "INSERT INTO peer_ranges VALUES ('r', 'maybe', 'x')", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
}

TEST(SqliteSchema, NewerSchemaVersion_IsRefusedByName) {
  TempDir dir;
  open_store(dir / "t.db");
  sql_value(dir / "t.db", "PRAGMA user_version = 7");
  auto store = SqliteStore::open(dir / "t.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, Kind::Open);
  EXPECT_NE(store.error().message.find("schema version 7 is newer"), std::string::npos)
      << store.error().message;
}

// Found by fuzz_sqlite_store: a negative version indexed the migrations before their start.
TEST(SqliteSchema, NegativeSchemaVersion_IsRefusedNotMigrated) {
  TempDir dir;
  open_store(dir / "t.db");
  sql_value(dir / "t.db", "PRAGMA user_version = -2");
  auto store = SqliteStore::open(dir / "t.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, Kind::Open);
  EXPECT_NE(store.error().message.find("schema version -2 is not one tern writes"),
            std::string::npos)
      << store.error().message;
  EXPECT_FALSE(SqliteCredentials::open(dir / "t.db", "r"));
}

TEST(SqliteSchema, GarbageFile_IsAClearErrorNotACrash) {
  TempDir dir;
  test::write_file(dir / "t.db", std::string(4096, '\x5a') + "not sqlite at all");
  auto store = SqliteStore::open(dir / "t.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, Kind::Open);
  EXPECT_EQ(store.error().message,
            "cannot open user database " + (dir / "t.db") + ": file is not a database");
  EXPECT_FALSE(SqliteCredentials::open(dir / "t.db", "r"));
}

TEST(SqliteSchema, MissingDirectory_NamesThePath) {
  TempDir dir;
  auto store = SqliteStore::open(dir / "no/such/dir/t.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(dir / "no/such/dir/t.db"), std::string::npos);
}

TEST(SqliteSchema, ExistingOnly_MissingFile_FailsWithoutCreatingIt) {
  TempDir dir;
  EXPECT_FALSE(SqliteStore::open(dir / "t.db", sqlite::OpenMode::ExistingOnly));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.db"));
}

// ---- users -----------------------------------------------------------------------------

TEST(SqliteStore, AddUser_StoresTheDerivedKeys) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("realm", "user", "pass"));
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT md5_key_hex FROM users"),
            "8493fbc53ba582fb4c044c456bdc40eb");  // RFC 8489 §9.2.2's check value
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT sha256_key_hex FROM users"),
            hex(derive_key(PasswordAlgorithm::Sha256, "user", "realm", "pass")->bytes()));
}

TEST(SqliteStore, AddUser_NeverStoresThePassword) {
  TempDir dir;
  {
    auto store = open_store(dir / "t.db");
    ASSERT_TRUE(store.add_user("realm", "user", "Tr0ub4dor&3-unmistakable"));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(test::read_file(dir / "t.db" + suffix).find("unmistakable"), std::string::npos)
        << suffix;
  }
}

TEST(SqliteStore, AddUser_SaslprepsThePassword) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("realm", "u",
                             "I\xC2\xAD"
                             "X"));  // soft hyphen maps to nothing
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT md5_key_hex FROM users"),
            hex(derive_key(PasswordAlgorithm::Md5, "u", "realm", "IX")->bytes()));
}

TEST(SqliteStore, AddUser_Duplicate_IsExistsNamingUserAndRealm) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("x", "alice", "one"));
  const auto again = store.add_user("x", "alice", "two");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, Kind::Exists);
  EXPECT_EQ(again.error().message, "user alice already exists in realm x");
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT md5_key_hex FROM users"),
            hex(derive_key(PasswordAlgorithm::Md5, "alice", "x", "one")->bytes()));
}

TEST(SqliteStore, AddUser_SameNameInAnotherRealm_IsAnotherUser) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("x", "alice", "one"));
  EXPECT_TRUE(store.add_user("y", "alice", "one"));
}

TEST(SqliteStore, AddUser_InputTheProtocolCannotCarry_IsInvalid) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  const auto invalid = [&](std::string_view realm, std::string_view name, std::string_view pw) {
    const auto r = store.add_user(realm, name, pw);
    return !r && r.error().kind == Kind::InvalidInput;
  };
  EXPECT_TRUE(invalid("r", "", "pw"));
  EXPECT_TRUE(invalid("", "u", "pw"));
  EXPECT_TRUE(invalid("r", "u", ""));
  EXPECT_TRUE(invalid("r", "a\nb", "pw"));
  EXPECT_TRUE(invalid("r\t", "u", "pw"));
  EXPECT_TRUE(invalid("r", "\xC3", "pw"));                 // truncated UTF-8
  EXPECT_TRUE(invalid("r", std::string(509, 'u'), "pw"));  // RFC 8489 §14.3: < 509 bytes
  EXPECT_FALSE(invalid("r", std::string(508, 'u'), "pw"));
  EXPECT_TRUE(invalid(std::string(128, 'r'), "u", "pw"));  // §14.9: < 128 characters
  EXPECT_FALSE(invalid(std::string(127, 'r'), "u", "pw"));
  EXPECT_TRUE(invalid("r", "u", "bell\x07"));  // fails SASLprep
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT count(*) FROM users"), "2");
}

TEST(SqliteStore, RealmLength_CountsCharactersNotBytes) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  std::string realm;
  for (int i = 0; i < 127; ++i) realm += "\xC3\xA9";  // é: 2 bytes, 1 character
  EXPECT_TRUE(store.add_user(realm, "u", "pw"));
  realm += "\xF0\x9F\x98\x80";  // a 128th character, 4 bytes
  EXPECT_EQ(store.add_user(realm, "u", "pw").error().kind, Kind::InvalidInput);
}

TEST(SqliteStore, AddUser_SqlInName_IsStoredLiterally) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  const std::string name = "x'); DROP TABLE users; --";
  ASSERT_TRUE(store.add_user("r", name, "pw"));
  const auto users = store.list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].name, name);
}

// sqlite sorts a BLOB after every TEXT: a name another tool wrote as a blob must still
// take its place in the list by its text (found by fuzz_sqlite_store).
TEST(SqliteStore, ListUsers_NameStoredAsBlob_IsInTextOrder) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("r", "b", "pw"));
  sql_value(dir / "t.db", "INSERT INTO users (realm, name, md5_key_hex) VALUES ('r', X'61', '00')");
  const auto users = open_store(dir / "t.db").list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "a");
  EXPECT_EQ((*users)[1].name, "b");
}

TEST(SqliteStore, Reopen_KeepsUsers) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("r", "alice", "pw"));
  const auto users = open_store(dir / "t.db").list_users();
  ASSERT_TRUE(users);
  EXPECT_EQ(*users, (std::vector<UserRecord>{{"r", "alice", true}}));
}

TEST(SqliteStore, DeleteUser_RemovesOnlyThatUser) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("r", "alice", "pw"));
  ASSERT_TRUE(store.add_user("r", "bob", "pw"));
  ASSERT_TRUE(store.delete_user("r", "alice"));
  EXPECT_EQ(*store.list_users(), (std::vector<UserRecord>{{"r", "bob", true}}));
}

TEST(SqliteStore, DeleteUser_Unknown_IsNotFoundNamingUserAndRealm) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("r", "alice", "pw"));
  const auto gone = store.delete_user("other", "alice");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, Kind::NotFound);
  EXPECT_EQ(gone.error().message, "no user alice in realm other");
}

TEST(SqliteStore, ListUsers_IsSortedAndFiltersByRealm) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("b", "zed", "pw"));
  ASSERT_TRUE(store.add_user("a", "yan", "pw"));
  ASSERT_TRUE(store.add_user("b", "amy", "pw"));
  EXPECT_EQ(*store.list_users(),
            (std::vector<UserRecord>{{"a", "yan", true}, {"b", "amy", true}, {"b", "zed", true}}));
  EXPECT_EQ(*store.list_users("b"),
            (std::vector<UserRecord>{{"b", "amy", true}, {"b", "zed", true}}));
  EXPECT_TRUE(store.list_users("none")->empty());
}

TEST(SqliteStore, ListUsers_Md5OnlyRow_HasNoSha256Key) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  sql_value(dir / "t.db",
            "INSERT INTO users VALUES ('r', 'old', '8493fbc53ba582fb4c044c456bdc40eb', NULL)");
  EXPECT_EQ(*store.list_users(), (std::vector<UserRecord>{{"r", "old", false}}));
}

// ---- secrets, realm options, realms ----------------------------------------------------

TEST(SqliteStore, Secrets_AddDuplicateDeleteList) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_secret("r", "old", 100));
  ASSERT_TRUE(store.add_secret("r", "new", 200));
  ASSERT_TRUE(store.add_secret("s", "other", 150));
  const auto dup = store.add_secret("r", "old", 300);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, Kind::Exists);
  EXPECT_EQ(dup.error().message.find("old"), std::string::npos) << "secret leaked into a message";
  EXPECT_EQ(*store.list_secrets("r"),
            (std::vector<SecretRecord>{{"r", "new", 200}, {"r", "old", 100}}));
  ASSERT_TRUE(store.delete_secret("r", "old"));
  EXPECT_EQ(store.delete_secret("r", "old").error().kind, Kind::NotFound);
  EXPECT_EQ(*store.list_secrets(),
            (std::vector<SecretRecord>{{"r", "new", 200}, {"s", "other", 150}}));
  EXPECT_EQ(store.add_secret("r", "", 1).error().kind, Kind::InvalidInput);
}

TEST(SqliteStore, RealmOptions_DefaultThenSetThenReplaced) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  EXPECT_EQ(*store.realm_options("r"), RealmOptions{});
  ASSERT_TRUE(store.set_realm_options("r", {10, 100, 1'000'000}));
  EXPECT_EQ(*store.realm_options("r"), (RealmOptions{10, 100, 1'000'000}));
  ASSERT_TRUE(store.set_realm_options("r", {0, 5, 0}));
  EXPECT_EQ(*open_store(dir / "t.db").realm_options("r"), (RealmOptions{0, 5, 0}));
  EXPECT_EQ(*store.realm_options("other"), RealmOptions{});
}

TEST(SqliteStore, Realms_AreEveryRealmWithAnything_Sorted) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  EXPECT_TRUE(store.realms()->empty());
  ASSERT_TRUE(store.add_user("u.example", "a", "pw"));
  ASSERT_TRUE(store.add_user("u.example", "b", "pw"));
  ASSERT_TRUE(store.add_secret("s.example", "k", 1));
  ASSERT_TRUE(store.set_realm_options("o.example", {}));
  EXPECT_EQ(*store.realms(), (std::vector<std::string>{"o.example", "s.example", "u.example"}));
}

// ---- SqliteCredentials (server side) ---------------------------------------------------

TEST(SqliteCredentials, MissingFile_IsAnErrorAndNotCreated) {
  TempDir dir;
  const auto credentials = SqliteCredentials::open(dir / "t.db", "r");
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, Kind::Open);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.db"));
}

TEST(SqliteCredentials, Lookup_GivesTheKeysDeriveKeyGives) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "user", "pass"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user_count(), 1u);
  for (auto algorithm : {PasswordAlgorithm::Md5, PasswordAlgorithm::Sha256}) {
    EXPECT_EQ(lookup(*credentials, "user", "realm", algorithm),
              derive_key(algorithm, "user", "realm", "pass"));
  }
}

TEST(SqliteCredentials, Lookup_OtherRealmOrUnknownUser_FindsNothing) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("realm", "user", "pass"));
  ASSERT_TRUE(store.add_user("other", "stranger", "pass"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_FALSE(lookup(*credentials, "user", "other", PasswordAlgorithm::Md5));
  EXPECT_FALSE(lookup(*credentials, "stranger", "realm", PasswordAlgorithm::Md5));
  EXPECT_FALSE(lookup(*credentials, "nobody", "realm", PasswordAlgorithm::Md5));
}

TEST(SqliteCredentials, Md5OnlyUser_HasNoSha256Key) {
  TempDir dir;
  open_store(dir / "t.db");
  sql_value(dir / "t.db",
            "INSERT INTO users VALUES ('realm', 'user', '8493FBC53BA582FB4C044C456BDC40EB', NULL)");
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(lookup(*credentials, "user", "realm", PasswordAlgorithm::Md5),
            derive_key(PasswordAlgorithm::Md5, "user", "realm", "pass"));
  EXPECT_FALSE(lookup(*credentials, "user", "realm", PasswordAlgorithm::Sha256));
}

TEST(SqliteCredentials, Reload_SeesAddedAndDeletedUsers_OnlyAfterReload) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("realm", "alice", "pw"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);

  ASSERT_TRUE(store.add_user("realm", "bob", "pw"));
  ASSERT_TRUE(store.delete_user("realm", "alice"));
  EXPECT_TRUE(lookup(*credentials, "alice", "realm", PasswordAlgorithm::Md5));
  EXPECT_FALSE(lookup(*credentials, "bob", "realm", PasswordAlgorithm::Md5));

  const auto summary = credentials->reload();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->users, 1u);
  EXPECT_FALSE(lookup(*credentials, "alice", "realm", PasswordAlgorithm::Md5));
  EXPECT_EQ(lookup(*credentials, "bob", "realm", PasswordAlgorithm::Md5),
            derive_key(PasswordAlgorithm::Md5, "bob", "realm", "pw"));
}

TEST(SqliteCredentials, Reload_Failing_KeepsServingTheLastSnapshot) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "alice", "pw"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  sql_value(dir / "t.db", "DROP TABLE users");
  const auto reloaded = credentials->reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().kind, Kind::Database);
  EXPECT_NE(reloaded.error().message.find("no such table: users"), std::string::npos)
      << reloaded.error().message;
  EXPECT_TRUE(lookup(*credentials, "alice", "realm", PasswordAlgorithm::Md5));
}

TEST(SqliteCredentials, Reload_SkipsRowsWithBadKeys_AndNamesThem) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "good", "pw"));
  sql_value(dir / "t.db", "INSERT INTO users VALUES ('realm', 'bad', 'xyz', NULL)");
  sql_value(dir / "t.db",
            "INSERT INTO users VALUES ('realm', 'short', '8493fbc53ba582fb4c044c456bdc40eb', "
            "'abcd')");
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  const auto summary = credentials->reload();
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->users, 1u);
  ASSERT_EQ(summary->skipped.size(), 2u);
  EXPECT_NE(summary->skipped[0].find("user bad in realm realm"), std::string::npos);
  EXPECT_FALSE(lookup(*credentials, "bad", "realm", PasswordAlgorithm::Md5));
  EXPECT_FALSE(lookup(*credentials, "short", "realm", PasswordAlgorithm::Md5));
  EXPECT_TRUE(lookup(*credentials, "good", "realm", PasswordAlgorithm::Md5));
}

TEST(SqliteCredentials, Userhash_FindsTheUsernameOfItsRealmOnly) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "alice", "pw"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_TRUE(credentials->supports_userhash());
  const auto hash = userhash("alice", "realm");
  EXPECT_EQ(credentials->username_for_userhash(hash, "realm"), "alice");
  EXPECT_EQ(credentials->username_for_userhash(hash, "other"), std::nullopt);
  EXPECT_EQ(credentials->username_for_userhash(userhash("bob", "realm"), "realm"), std::nullopt);
}

TEST(SqliteCredentials, Secrets_AreTheRealmsNewestFirst) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_secret("realm", "old", 100));
  ASSERT_TRUE(store.add_secret("realm", "new", 200));
  ASSERT_TRUE(store.add_secret("other", "theirs", 300));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(*credentials->secrets(), (std::vector<std::string>{"new", "old"}));
  ASSERT_TRUE(store.delete_secret("realm", "old"));
  const auto before = credentials->secrets();
  ASSERT_TRUE(credentials->reload());
  EXPECT_EQ(*credentials->secrets(), (std::vector<std::string>{"new"}));
  EXPECT_EQ(before->size(), 2u) << "a reload must not change a list a caller holds";
}

TEST(SqliteCredentials, LookupsDuringReloads_AlwaysSeeAWholeSnapshot) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("realm", "steady", "pw"));
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  const auto expected = derive_key(PasswordAlgorithm::Sha256, "steady", "realm", "pw");

  std::atomic<int> misses{0};
  std::vector<std::jthread> readers;  // stopped and joined on every way out of the test
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&](std::stop_token stop) {
      while (!stop.stop_requested()) {
        if (lookup(*credentials, "steady", "realm", PasswordAlgorithm::Sha256) != expected) {
          ++misses;
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store.add_user("realm", fmt::format("u{}", i), "pw"));
    ASSERT_TRUE(credentials->reload());
  }
  readers.clear();
  EXPECT_EQ(misses, 0);
  EXPECT_EQ(credentials->user_count(), 51u);
}

}  // namespace
}  // namespace tern::auth

namespace tern::auth {
namespace {

TEST(SqliteCredentials, Reload_LoadsTheRealmsOptionsAndPeerRanges_OfItsRealmOnly) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.set_realm_options("realm", {1, 10, 20'000}));
  ASSERT_TRUE(store.set_realm_options("other", {7, 7, 7}));
  for (const char* row :
       {"('realm', 'allowed', '10.0.0.0/8')", "('realm', 'denied', '8.8.8.8')",
        "('realm', 'denied', '1.1.1.1-1.1.1.9')", "('other', 'denied', '9.9.9.9')"}) {
    sql_value(dir / "t.db", fmt::format("INSERT INTO peer_ranges VALUES {}", row));
  }
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  auto s = credentials->snapshot();
  EXPECT_EQ(s->options, (RealmOptions{1, 10, 20'000}));
  EXPECT_EQ(s->allowed_peer_ranges, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(s->denied_peer_ranges, (std::vector<std::string>{"1.1.1.1-1.1.1.9", "8.8.8.8"}));

  ASSERT_TRUE(store.set_realm_options("realm", {0, 0, 0}));
  sql_value(dir / "t.db", "DELETE FROM peer_ranges WHERE realm = 'realm' AND kind = 'denied'");
  ASSERT_TRUE(credentials->reload());
  s = credentials->snapshot();
  EXPECT_EQ(s->options, RealmOptions{});
  EXPECT_TRUE(s->denied_peer_ranges.empty());
  EXPECT_EQ(s->allowed_peer_ranges, std::vector<std::string>{"10.0.0.0/8"});
}

// SQLite's ORDER BY puts every BLOB after every TEXT; the snapshot promises byte order, which
// the peer policy's merge relies on.
TEST(SqliteCredentials, PeerRangesStoredAsBlob_AreStillInByteOrder) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "alice", "pw"));
  sql_value(dir / "t.db", "INSERT INTO peer_ranges VALUES ('realm', 'denied', '9.9.9.9')");
  sql_value(dir / "t.db",
            "INSERT INTO peer_ranges VALUES ('realm', 'denied', CAST('1.1.1.1' AS BLOB))");
  const auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->snapshot()->denied_peer_ranges,
            (std::vector<std::string>{"1.1.1.1", "9.9.9.9"}));
}

TEST(SqliteCredentials, RealmWithoutOptions_LoadsZeros_AndHandEditedValuesAreClamped) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "t.db").add_user("realm", "alice", "pw"));
  auto credentials = open_credentials(dir / "t.db", "realm");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->snapshot()->options, RealmOptions{});
  sql_value(dir / "t.db", "INSERT INTO realm_options VALUES ('realm', -5, 99999999999, -1)");
  ASSERT_TRUE(credentials->reload());
  EXPECT_EQ(credentials->snapshot()->options, (RealmOptions{0, UINT32_MAX, 0}));
}

// ---- revocations ---------------------------------------------------------------------

TEST(SqliteStoreRevoked, Revoke_ListsInForce_KeepsTheLaterExpiry_PurgesLapsed) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.revoke("r", {"old", 100}, 50));
  ASSERT_TRUE(store.revoke("r", {"alice", 2000}, 150));  // purges "old", lapsed at 100
  ASSERT_TRUE(store.revoke("r", {"alice", 1000}, 150));  // an earlier expiry does not shorten it
  ASSERT_TRUE(store.revoke("other", {"bob", 2000}, 150));
  auto listed = store.list_revoked("r", 150);
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, (std::vector<Revocation>{{"alice", 2000}}));
  EXPECT_EQ(sql_value(dir / "t.db", "SELECT count(*) FROM revoked"), "2");
  auto later = store.list_revoked("r", 2001);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->empty());
}

TEST(SqliteCredentialsRevoked, Reload_ReadsTheRealmsRevocations) {
  TempDir dir;
  auto store = open_store(dir / "t.db");
  ASSERT_TRUE(store.add_user("r", "alice", "pw"));
  auto creds = open_credentials(dir / "t.db", "r");
  ASSERT_TRUE(creds);
  EXPECT_TRUE(creds->snapshot()->revoked.empty());
  ASSERT_TRUE(store.revoke("r", {"1700000000:alice", 1700000000}, 1));
  ASSERT_TRUE(store.revoke("elsewhere", {"bob", 1700000000}, 1));
  ASSERT_TRUE(creds->reload());
  EXPECT_EQ(creds->snapshot()->revoked,
            (std::vector<Revocation>{{"1700000000:alice", 1700000000}}));
}

}  // namespace
}  // namespace tern::auth
