// Build tool: writes ternd(8) from the option table (server/man_page.h).
// Usage: ternd_man OUTPUT DATE

#include <cstdio>
#include <fstream>

#include "server/config/man_page.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fputs("usage: ternd_man OUTPUT DATE\n", stderr);
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << tern::ternd_man_page(argv[2]);
  out.close();
  if (!out) {
    std::fprintf(stderr, "ternd_man: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
