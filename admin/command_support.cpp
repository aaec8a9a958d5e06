#include "admin/command_support.h"

#include <cstdint>
#include <ostream>

namespace tern::admin {

std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return out;
}

int report(Streams io, int code, std::string_view message) {
  io.err << "ternctl: " << printable(message) << '\n';
  return code;
}

}  // namespace tern::admin
