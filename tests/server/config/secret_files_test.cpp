#include "server/config/secret_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "server/config/config.h"
#include "tests/support/temp_dir.h"

namespace tern {
namespace {

using test::TempDir;
using test::write_file;
using Strings = std::vector<std::string>;

class SecretFiles : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const auto path = (dir_.path() / name).string();
    EXPECT_TRUE(write_file(path, text));
    ::chmod(path.c_str(), mode);
    return path;
  }
  TempDir dir_;
  Config config_;
  std::vector<std::string> warnings_;
};

TEST_F(SecretFiles, SecretFile_EachLineASecret_CommentsBlanksAndSpacesDropped) {
  config_.static_auth_secrets = {"from-argv"};
  config_.static_auth_secret_files = {file("s", "# comment\nnorth wind\n\n  south#wind \r\n")};
  ASSERT_TRUE(read_secret_files(config_, warnings_));
  EXPECT_EQ(config_.static_auth_secrets, (Strings{"from-argv", "north wind", "south#wind"}));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(SecretFiles, TwoSecretFiles_BothRead) {
  config_.static_auth_secret_files = {file("a", "one\n"), file("b", "two\n")};
  ASSERT_TRUE(read_secret_files(config_, warnings_));
  EXPECT_EQ(config_.static_auth_secrets, (Strings{"one", "two"}));
}

TEST_F(SecretFiles, MissingFile_IsAnErrorNamingOptionAndFile) {
  config_.static_auth_secret_files = {(dir_.path() / "none").string()};
  auto r = read_secret_files(config_, warnings_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("static-auth-secret-file"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("none: cannot read"), std::string::npos) << r.error();
}

TEST_F(SecretFiles, SecretFileWithNoSecret_IsAnError) {
  config_.static_auth_secret_files = {file("s", "# only a comment\n\n")};
  auto r = read_secret_files(config_, warnings_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("holds no secret"), std::string::npos) << r.error();
}

TEST_F(SecretFiles, UserFile_AddsUsers_ABadLineNamesFileAndLineButNotTheLine) {
  config_.user_files = {file("u", "alice:pa:ss\n# x\nbob:b\n")};
  ASSERT_TRUE(read_secret_files(config_, warnings_));
  EXPECT_EQ(config_.users, (Strings{"alice:pa:ss", "bob:b"}));

  Config other;
  other.user_files = {file("bad", "carol:c\nnocolonsecret\n")};
  auto r = read_secret_files(other, warnings_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("bad:2: not name:password"), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find("nocolonsecret"), std::string::npos) << r.error();
}

TEST_F(SecretFiles, FileOthersMayRead_IsWarnedAbout) {
  config_.user_files = {file("u", "alice:a\n", 0644)};
  ASSERT_TRUE(read_secret_files(config_, warnings_));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("chmod 600"), std::string::npos) << warnings_[0];
}

}  // namespace
}  // namespace tern
