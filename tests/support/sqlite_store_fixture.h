#pragma once
// A TURN test whose ternd reads a sqlite store (--userdb) that the test changes with
// ternctl while ternd runs, as an operator would.

#include <filesystem>
#include <string>
#include <vector>

#include "protocol/transport_address.h"
#include "tests/support/temp_dir.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {

class TurnSqliteStoreTest : public TurnTest {
 protected:
  // Fails unless ternctl is built, then makes the store with ternctl (ternd opens an
  // existing database only) holding realm kRealm with default options.
  void SetUp() override;
  // ternd on the store, relaying on 127.0.0.1 only; `more` flags after.
  void start_ternd(const std::vector<std::string>& more = {});
  // ternctl `args` on the store, in realm kRealm unless the command is `realm`; fails the
  // test unless it exits 0.
  void ternctl(std::vector<std::string> args);

  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }
  std::filesystem::path db() const { return dir_ / "tern.db"; }

  TempDir dir_;
};

}  // namespace tern::test
