#pragma once
// The built ternctl binary, run as an operator or a script would, on temp sqlite files:
// the fixture every tests/admin/ternctl_*_test.cpp shares.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <optional>
#include <string>
#include <vector>

#include "auth/sqlite_store.h"
#include "tests/admin/json_reader.h"
#include "tests/admin/test_files.h"

extern char** environ;

namespace tern::admin {

using admin_test::JsonReader;
using admin_test::TempDir;

struct Outcome {
  int code = -1;
  std::string out, err;
};

class Ternctl : public ::testing::Test {
 protected:
  // ternctl with `args`, its output kept in files of the test's directory.
  Outcome ternctl(std::vector<std::string> args) {
    args.insert(args.begin(), TERNCTL_PATH);
    const std::string out = dir_ / "stdout", err = dir_ / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      ADD_FAILURE() << "cannot run " << argv[0];
      return {};
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Outcome run;
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.out = admin_test::read_file(out);
    run.err = admin_test::read_file(err);
    return run;
  }

  // The store arguments every command takes, on this test's database.
  std::vector<std::string> with_db(std::vector<std::string> args) const {
    args.push_back("--userdb");
    args.push_back(db());
    return args;
  }
  std::string db() const { return dir_ / "users.db"; }

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

  TempDir dir_;
};

}  // namespace tern::admin
