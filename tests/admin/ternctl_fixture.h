#pragma once
// The built ternctl binary, run as an operator or a script would, on temp sqlite files:
// the fixture every tests/admin/ternctl_*_test.cpp shares.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "auth/sqlite_store.h"
#include "base/json_value.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"

namespace tern::admin {

struct Outcome {
  int code = -1;  // the exit code, or 128 + the signal that ended ternctl
  std::string out, err;
};

class Ternctl : public ::testing::Test {
 protected:
  // ternctl with `args`, its output kept in files of the test's directory.
  Outcome ternctl(const std::vector<std::string>& args) {
    const test::CommandResult run = test::run_ternctl(args, dir_.path());
    EXPECT_FALSE(run.status.timed_out) << "ternctl " << ::testing::PrintToString(args);
    return {run.status.exited ? run.status.code : 128 + run.status.signal, run.out, run.err};
  }

  // The store arguments every command takes, on this test's database.
  std::vector<std::string> with_db(std::vector<std::string> args) const {
    args.push_back("--userdb");
    args.push_back(db());
    return args;
  }
  std::string db() const { return (dir_ / "users.db").string(); }

  std::optional<auth::Key> key_of(const std::string& name, const std::string& realm,
                                  auth::PasswordAlgorithm algorithm) {
    auto credentials = auth::SqliteCredentials::open(db(), realm);
    if (!credentials) return std::nullopt;
    auth::CandidateKeys out;
    if (!(*credentials)->lookup(name, realm, algorithm, 0, out)) return std::nullopt;
    return out.keys()[0];
  }

  static bool one_line(const std::string& text) {
    return !text.empty() && text.find('\n') == text.size() - 1;
  }

  test::TempDir dir_;
};

}  // namespace tern::admin
