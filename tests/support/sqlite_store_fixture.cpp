#include "tests/support/sqlite_store_fixture.h"

#include "tests/support/ternctl.h"

namespace tern::test {

void TurnSqliteStoreTest::SetUp() {
  ASSERT_TRUE(std::filesystem::exists(ternctl_path()))
      << ternctl_path() << " missing: build the ternctl target";
  ASSERT_NO_FATAL_FAILURE(ternctl({"realm", "set", kRealm, "user-quota=0"}));
}

void TurnSqliteStoreTest::start_ternd(const std::vector<std::string>& more) {
  std::vector<std::string> extra{"--userdb", db().string()};
  extra.insert(extra.end(), more.begin(), more.end());
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
}

void TurnSqliteStoreTest::ternctl(std::vector<std::string> args) {
  args.insert(args.end(), {"--userdb", db().string()});
  if (args[0] != "realm") args.insert(args.end(), {"--realm", kRealm});
  const auto run = run_ternctl(args, dir_.path());
  ASSERT_TRUE(run.status.clean()) << "ternctl " << args[0] << " " << args[1] << ": "
                                  << run.status.describe() << "\n"
                                  << run.out << run.err;
}

}  // namespace tern::test
