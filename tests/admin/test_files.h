#pragma once
// tests/support/temp_dir.h with paths as strings, for tests/auth/sqlite_store_test.cpp,
// which builds messages from them. New tests use tern::test::TempDir directly.

#include <string>

#include "tests/support/temp_dir.h"

namespace tern::admin_test {

class TempDir {
 public:
  std::string operator/(const std::string& name) const { return (dir_ / name).string(); }

 private:
  test::TempDir dir_;
};

using test::read_file;
using test::write_file;

}  // namespace tern::admin_test
