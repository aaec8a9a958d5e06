#pragma once
// A Logger writing to a file of its own, and that file's lines: what the tests of the
// per-source log budgets (auth_failure_log, peer_refused_log) read back.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

class FileLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Logger::open(path(), LogLevel::Info);
    ASSERT_TRUE(opened.ok());
    logger_ = std::move(*opened);
  }
  std::string path() const { return (dir_.path() / "ternd.log").string(); }
  std::vector<std::string> lines() const {
    std::ifstream in(path());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Logger> logger_;
};

}  // namespace tern::test
