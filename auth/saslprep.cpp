#include "auth/saslprep.h"

#include <idn-free.h>
#include <stringprep.h>

#include <algorithm>
#include <memory>

namespace tern::auth {
namespace {

struct IdnFree {
  void operator()(char* p) const { idn_free(p); }
};

// SASLprep leaves printable ASCII unchanged (no mapping, NFKC is the identity on it, none
// of it is prohibited), so the common case needs neither libidn nor an allocation there.
bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace

std::optional<std::string> saslprep(std::string_view utf8) {
  if (printable_ascii(utf8)) return std::string(utf8);
  if (utf8.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string in(utf8);
  char* raw = nullptr;
  const int rc = stringprep_profile(in.c_str(), &raw, "SASLprep", STRINGPREP_NO_UNASSIGNED);
  const std::unique_ptr<char, IdnFree> out(raw);
  if (rc != STRINGPREP_OK || !out) return std::nullopt;
  return std::string(out.get());
}

}  // namespace tern::auth
