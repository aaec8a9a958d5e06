#include "server/config/man_page.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "server/config/config.h"
#include "tern/version.h"

namespace tern {
namespace {

std::string roff_flag(std::string_view flag) {
  std::string out;
  for (char c : flag) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return "\\fB" + out + "\\fR";
}

TEST(ManPage, TitleLine_CarriesSectionDateAndVersion) {
  const auto page = ternd_man_page("2026-12-03");
  EXPECT_NE(page.find("\n.TH TERND 8 \"2026-12-03\" \"tern " + std::string(kVersion) + "\" "),
            std::string::npos)
      << page.substr(0, 200);
}

TEST(ManPage, EveryOptionOfTheTable_HasItsTagAndHelp) {
  const auto page = ternd_man_page("2026-12-03");
  for (const auto& o : config::options()) {
    if (!o.name.empty()) {
      EXPECT_NE(page.find(roff_flag("--" + std::string(o.name))), std::string::npos) << o.name;
    }
    if (o.short_flag != 0) {
      EXPECT_NE(page.find(roff_flag(std::string("-") + o.short_flag)), std::string::npos)
          << o.short_flag;
    }
    EXPECT_NE(page.find(std::string(o.help)), std::string::npos) << o.name;
  }
}

// A text line that began with '.' or '\'' would be read as a request and vanish; only the
// man macros the page means to use may start a line.
TEST(ManPage, OnlyKnownRequestsStartALine) {
  const std::set<std::string> known = {".\\\"", ".TH", ".SH", ".TP", ".PP", ".B",  ".BR", ".BI",
                                       ".RB",   ".RI", ".IR", ".I",  ".br", ".nf", ".fi"};
  std::istringstream lines(ternd_man_page("2026-12-03"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || (line.front() != '.' && line.front() != '\'')) continue;
    EXPECT_TRUE(known.contains(line.substr(0, line.find(' ')))) << line;
  }
}

}  // namespace
}  // namespace tern
