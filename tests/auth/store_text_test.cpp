// Names as text: the checks the stores make on them.
#include "auth/store_text.h"

#include <gtest/gtest.h>

#include <string>

namespace tern::auth {
namespace {

TEST(HasControl, ControlCharactersAndDelete) {
  EXPECT_TRUE(has_control("a\nb"));
  EXPECT_TRUE(has_control(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control("a\x7f"));
  EXPECT_FALSE(has_control("r\xC3\xA9seau"));
}

}  // namespace
}  // namespace tern::auth

namespace tern::auth {
namespace {

TEST(StoreNames, RealmProblems_NameWhatIsWrong) {
  EXPECT_EQ(realm_problem("example.org"), std::nullopt);
  EXPECT_EQ(realm_problem(""), "the realm is empty");
  EXPECT_EQ(realm_problem("a\nb"), "the realm is not printable UTF-8");
  EXPECT_EQ(realm_problem("a\xC3"), "the realm is not printable UTF-8");
  EXPECT_EQ(realm_problem(std::string(127, 'r')), std::nullopt);
  EXPECT_EQ(realm_problem(std::string(128, 'r')), "the realm is longer than 127 characters");
  // Characters, not bytes: 127 two-byte characters fit.
  std::string wide;
  for (int i = 0; i < 127; ++i) wide += "\xC3\xA9";
  EXPECT_EQ(realm_problem(wide), std::nullopt);
}

TEST(StoreNames, UserNameProblems_NameWhatIsWrong) {
  EXPECT_EQ(user_name_problem("alice"), std::nullopt);
  EXPECT_EQ(user_name_problem(""), "the user name is empty");
  EXPECT_EQ(user_name_problem("al\x7fice"), "the user name is not printable UTF-8");
  EXPECT_EQ(user_name_problem(std::string(508, 'u')), std::nullopt);
  EXPECT_EQ(user_name_problem(std::string(509, 'u')), "the user name is longer than 508 bytes");
}

}  // namespace
}  // namespace tern::auth
