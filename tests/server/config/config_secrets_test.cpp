// Secrets on the command line are visible to every local user: parse_command_line warns
// once per such option, never with the value, and not for the config file.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/config/config.h"
#include "tests/support/temp_dir.h"

namespace tern {
namespace {

std::vector<std::string> warnings_of(std::vector<std::string> args) {
  args.insert(args.begin(), "ternd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto r = parse_command_line(static_cast<int>(argv.size()), argv.data());
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return r ? r->warnings : std::vector<std::string>{};
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& what) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

TEST(ConfigSecrets, EachSecretOptionInArgv_OneWarning_WithoutTheValue) {
  const auto w = warnings_of({"--admin-token", "tok-1", "--static-auth-secret=sec-1",
                              "--static-auth-secret", "sec-2", "-u", "alice:pw-1", "--user",
                              "bob:pw-2", "--redis-userdb", "ip=127.0.0.1 password=pw-3"});
  EXPECT_EQ(count_containing(w, "visible to every local user"), 4u);
  EXPECT_EQ(count_containing(w, "--admin-token:"), 1u);
  EXPECT_EQ(count_containing(w, "--static-auth-secret:"), 1u);
  EXPECT_EQ(count_containing(w, "-u:"), 1u);
  EXPECT_EQ(count_containing(w, "--redis-userdb:"), 1u);
  for (const char* secret : {"tok-1", "sec-1", "sec-2", "pw-1", "pw-2", "pw-3"})
    EXPECT_EQ(count_containing(w, secret), 0u) << secret;
}

TEST(ConfigSecrets, RedisWithoutPassword_AndFileOptions_AreNotWarnedAbout) {
  const auto w = warnings_of({"--redis-userdb", "ip=127.0.0.1 dbname=0",
                              "--static-auth-secret-file", "/etc/tern/s", "--user-file",
                              "/etc/tern/u", "--admin-token-file", "/run/tern/t"});
  EXPECT_EQ(count_containing(w, "visible to every local user"), 0u);
}

TEST(ConfigSecrets, SecretsInTheConfigFile_AreNotWarnedAbout) {
  test::TempDir dir;
  const auto conf = (dir.path() / "ternd.conf").string();
  ASSERT_TRUE(test::write_file(conf, "admin-token=tok\nstatic-auth-secret=sec\nuser=alice:pw\n"));
  EXPECT_EQ(count_containing(warnings_of({"-c", conf}), "visible to every local user"), 0u);
}

}  // namespace
}  // namespace tern
