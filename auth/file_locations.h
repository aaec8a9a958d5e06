#pragma once
// Where ternd and ternctl keep their files by default. Both must agree (ternctl writes the
// store ternd reads, and reads the admin token ternd writes), so the paths live here once.

#include <filesystem>
#include <string_view>

namespace tern::auth {

// The embedded store: ternctl's --userdb default, and ternd's when that file exists.
inline constexpr std::string_view kDefaultUserdb = "/var/lib/tern/tern.db";

// A token ternd made up goes to the service's runtime directory when it may write there,
// else beside its user database.
inline constexpr std::string_view kRuntimeTokenDir = "/run/tern";
inline constexpr std::string_view kTokenFileName = "admin-token";
// Beside the packaged ternd's default store.
inline constexpr std::string_view kPackagedTokenFile = "/var/lib/tern/admin-token";

inline std::filesystem::path runtime_token_file() {
  return std::filesystem::path(kRuntimeTokenDir) / kTokenFileName;
}
// Beside `userdb`; a bare file name's directory is the current one.
inline std::filesystem::path token_file_beside(const std::filesystem::path& userdb) {
  const auto dir = userdb.parent_path();
  return dir.empty() ? std::filesystem::path(kTokenFileName) : dir / kTokenFileName;
}

}  // namespace tern::auth
