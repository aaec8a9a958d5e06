#pragma once
// What every ternctl command shares: its exit codes, where it prints, and how it reports
// a failure.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace tern::admin {

// Exit codes scripts can rely on.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,  // the operation failed: duplicate, unknown user, unreachable server
  kExitUsage = 2,   // the command line was wrong; nothing was done
};

struct Streams {
  std::ostream& out;
  std::ostream& err;  // one line per error, prefixed "ternctl: "
};

// Names come from the command line, a hand-edited file or a client's USERNAME; a control
// character in one must not split an error into two lines or forge a line of a listing.
std::string printable(std::string_view s);

// Prints "ternctl: <message>" on io.err and returns `code`.
int report(Streams io, int code, std::string_view message);

// Columns padded to their widest cell, two spaces apart; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace tern::admin
