// coturn's vocabulary, whole: every name coturn 4.6.1 documents is known (implemented,
// accepted with a warning, or refused with its reason), "unknown option" is left for names
// coturn never had and comes with a did-you-mean, and a file reports all its errors at once.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "server/config/config.h"
#include "tests/server/config/config_test_support.h"

namespace tern {
namespace {

namespace fs = std::filesystem;

using test::parse;
using test::TempFile;

std::string error_of(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  return r.ok() ? "(accepted)" : r.error();
}

// The error (or warnings, joined) for a file holding `text`, "FILE" standing for its path.
std::string with_file_as_FILE(std::string text, const std::string& path) {
  for (auto at = text.find(path); at != std::string::npos; at = text.find(path))
    text.replace(at, path.size(), "FILE");
  return text;
}

std::string file_error(std::string_view text) {
  TempFile file(text);
  auto r = parse({"-c", file.path()});
  return with_file_as_FILE(r.ok() ? "(accepted)" : r.error(), file.path());
}

std::vector<std::string> file_warnings(std::string_view text, std::vector<std::string> flags = {}) {
  TempFile file(text);
  flags.insert(flags.begin(), {"-c", file.path()});
  auto r = parse(flags);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& w : r->warnings) out.push_back(with_file_as_FILE(w, file.path()));
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "#name", "#name=value" or "#name \"value\"": a commented-out option line, not prose.
const std::regex kCommentedOption(R"(^#([A-Za-z][A-Za-z0-9_-]*)(=.*| ".*")?$)");

// ---- every coturn name is known ------------------------------------------------------

// The names of `turnserver --help` (coturn's own binary, installed with the test packages).
TEST(CoturnOptions, EveryNameOfTurnserverHelp_IsKnown) {
  if (!fs::exists("/usr/bin/turnserver")) GTEST_SKIP() << "coturn is not installed";
  FILE* pipe = ::popen("timeout 10 /usr/bin/turnserver --help 2>&1 </dev/null", "r");
  ASSERT_NE(pipe, nullptr);
  std::string help;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) help.append(buf, n);
  ::pclose(pipe);
  std::set<std::string> names;
  const std::regex long_flag(R"((^|[ ,\t])--([A-Za-z0-9_-]+))");
  for (std::sregex_iterator it(help.begin(), help.end(), long_flag), end; it != end; ++it)
    names.insert((*it)[2]);
  ASSERT_GT(names.size(), 100u) << help;  // coturn 4.6.1 documents 109
  for (const auto& name : names) EXPECT_NE(config::find_option(name), nullptr) << name;
}

// Debian's /etc/turnserver.conf with every commented-out option line taken one at a time:
// each is known (it may be refused, never as unknown).
TEST(CoturnOptions, EachOptionLineOfDebiansTurnserverConf_IsKnown) {
  if (!fs::exists("/etc/turnserver.conf")) GTEST_SKIP() << "coturn is not installed";
  std::istringstream in(read_text("/etc/turnserver.conf"));
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, kCommentedOption)) continue;
    ++lines;
    SCOPED_TRACE(line);
    EXPECT_NE(config::find_option(m[1].str()), nullptr);
    TempFile file(line.substr(1) + "\n");
    auto r = parse({"-c", file.path()});
    if (!r.ok()) {
      EXPECT_EQ(r.error().find("unknown option"), std::string::npos) << r.error();
    }
  }
  EXPECT_GT(lines, 100);  // Debian's 4.6.1 file has 112
}

// ---- categories ------------------------------------------------------------------------

TEST(CoturnOptions, Refused_SayWhyAndWhatToUseInstead) {
  EXPECT_EQ(file_error("psql-userdb=\"host=db dbname=coturn\"\n"),
            "FILE:1: psql-userdb: PostgreSQL user databases are not supported; use userdb or "
            "redis-userdb");
  EXPECT_EQ(error_of({"-M", "host=db"}),
            "command line: -M: MySQL user databases are not supported; use userdb or redis-userdb");
  EXPECT_EQ(error_of({"--oauth"}),
            "command line: --oauth: oAuth (RFC 7635) is not supported; use static-auth-secret "
            "(TURN REST API)");
  EXPECT_EQ(error_of({"--bps-capacity", "1000000"}),
            "command line: --bps-capacity: tern has no server-wide bandwidth cap; use max-bps (per "
            "allocation) and total-quota");
  EXPECT_EQ(error_of({"--allocation-default-address-family", "ipv5"}),
            "command line: --allocation-default-address-family: \"ipv5\" is not ipv4, ipv6 or "
            "keep");
}

TEST(CoturnOptions, AcceptedWithoutEffect_WarnOnceEach) {
  auto warnings =
      file_warnings("udp-self-balance\nec-curve-name=prime256v1\nweb-admin-port=8080\n");
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "FILE:1: ignored: udp-self-balance (tern does not balance over auxiliary servers)",
                "FILE:2: ignored: ec-curve-name (TLS groups follow OpenSSL's defaults)",
                "FILE:3: ignored: web-admin-port (the web console is served on admin-listen; "
                "set that instead)",
            }));
}

TEST(CoturnOptions, NoStunWithStunOnly_IsRefused) {
  EXPECT_EQ(file_error("stun-only\nno-stun\n"),
            "FILE:2: no-stun: cannot be combined with stun-only: nothing would be served");
}

TEST(CoturnOptions, KeepAddressFamily_IsAllocationDefaultKeep) {
  auto r = parse({"-K"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->config.allocation_default_address_family, "keep");
  r = parse({"-K", "-A", "ipv4"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->config.allocation_default_address_family, "ipv4");
}

TEST(CoturnOptions, EveryOptionRow_HasAUniqueNameAndShortFlag) {
  std::set<std::string_view> names;
  std::set<char> flags;
  for (const auto& o : config::options()) {
    if (!o.name.empty()) {
      EXPECT_TRUE(names.insert(o.name).second) << o.name << " twice";
    }
    if (o.short_flag != 0) {
      EXPECT_TRUE(flags.insert(o.short_flag).second) << o.short_flag;
    }
  }
}

// ---- errors: all at once, in order, with a did-you-mean -------------------------------

TEST(ConfigErrorsAtOnce, EveryErrorOfAFile_InLineOrder) {
  EXPECT_EQ(file_error("realm=example.org\n"
                       "listen-port=3478\n"
                       "min-port=abc\n"
                       "frobnicate\n"
                       "mysql-userdb=\"host=db\"\n"
                       "verbose\n"
                       "no-udp=maybe\n"),
            "FILE:2: listen-port: unknown option (did you mean listening-port?)\n"
            "FILE:3: min-port: \"abc\" is not a port (1-65535)\n"
            "FILE:4: frobnicate: unknown option\n"
            "FILE:5: mysql-userdb: MySQL user databases are not supported; use userdb or "
            "redis-userdb\n"
            "FILE:7: no-udp: \"maybe\" is not a boolean (on/off, yes/no, true/false, 1/0)");
}

TEST(ConfigErrorsAtOnce, FileAndCommandLine_BothReported) {
  TempFile file("listening-port=0\n");
  auto r = parse({"-c", file.path(), "--no-such-flag", "--realm"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(with_file_as_FILE(r.error(), file.path()),
            "FILE:1: listening-port: \"0\" is not a port (1-65535)\n"
            "command line: --no-such-flag: unknown option\n"
            "command line: --realm: needs a value");
}

TEST(ConfigErrorsAtOnce, CrossOptionRules_AreCheckedToo) {
  EXPECT_EQ(file_error("max-port=1000\nrealm=\n"),
            "FILE:2: realm: needs a value\nFILE:1: max-port: 1000 is below min-port 49152");
}

TEST(DidYouMean, NearNamesAreSuggested) {
  EXPECT_EQ(file_error("listening_port=3478\n"),
            "FILE:1: listening_port: unknown option (did you mean listening-port?)");
  EXPECT_EQ(file_error("ca-file=/etc/ca.pem\n"),
            "FILE:1: ca-file: unknown option (did you mean CA-file?)");
  EXPECT_EQ(file_error("stun-onyl\n"),
            "FILE:1: stun-onyl: unknown option (did you mean stun-only?)");
  EXPECT_EQ(error_of({"--relay-ips", "192.0.2.1"}),
            "command line: --relay-ips: unknown option (did you mean --relay-ip?)");
  // Nothing near: no guess.
  EXPECT_EQ(file_error("frobnicate\n"), "FILE:1: frobnicate: unknown option");
  EXPECT_EQ(config::nearest_option("tls"), std::nullopt);
}

// ---- a single-valued option given twice -------------------------------------------------

TEST(RepeatedOption, TwiceInTheFile_Warns) {
  EXPECT_EQ(file_warnings("realm=a.example\nverbose\nrealm=b.example\n"),
            (std::vector<std::string>{
                "FILE:3: realm: given again (first at FILE:1); the last one applies"}));
}

TEST(RepeatedOption, TwiceOnTheCommandLine_Warns) {
  auto r = parse({"-p", "3478", "--listening-port", "3479"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->config.listening_port, 3479);
  EXPECT_EQ(r->warnings, (std::vector<std::string>{"command line: --listening-port: given again "
                                                   "(first at command line); the last one "
                                                   "applies"}));
}

TEST(RepeatedOption, FileThenCommandLineOrALIst_DoesNot) {
  EXPECT_TRUE(file_warnings("realm=a.example\n", {"--realm", "b.example"}).empty());
  EXPECT_TRUE(file_warnings("listening-ip=127.0.0.1\nlistening-ip=::1\nuser=a:b\nuser=c:d\n"
                            "static-auth-secret=s1\nstatic-auth-secret=s2\n")
                  .empty());
}

}  // namespace
}  // namespace tern
