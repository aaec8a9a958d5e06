#pragma once
// Secrets kept out of argv: static-auth-secret-file and user-file name files read at
// startup and again on reload (reload.cpp), so the secrets never show in
// /proc/PID/cmdline, which every local user can read. A file holds one value per line;
// blank lines and lines starting with '#' are skipped, and spaces around a value are
// dropped.

#include <string>
#include <vector>

#include "protocol/result.h"

namespace tern {

struct Config;

// Appends every file's secrets to config.static_auth_secrets and its users to
// config.users. The error names the file (and line) and the reason; `warnings` gets a
// line for a file other users may read.
Result<std::monostate, std::string> read_secret_files(Config& config,
                                                      std::vector<std::string>& warnings);

// The first value line of a stateless-nonce-secret-file; read_secret_files puts it into
// config.stateless_nonce_secret, and main.cpp reads it again on SIGHUP.
Result<std::string, std::string> read_nonce_secret_file(const std::string& path,
                                                        std::vector<std::string>& warnings);

}  // namespace tern
