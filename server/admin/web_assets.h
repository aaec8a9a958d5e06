#pragma once
// The web console's files (server/admin/web/), embedded in ternd at build time by
// cmake/EmbedFiles.cmake: many TURN hosts have no outbound web access, so nothing is
// fetched from elsewhere, and what is served is exactly what was built.

#include <span>
#include <string_view>

namespace tern {

struct WebAsset {
  std::string_view path;          // as requested: "/", "/app.js", "/vendor/uPlot.esm.js"
  std::string_view content_type;  // from the file's extension
  std::string_view etag;          // quoted, from the content's SHA-256
  std::span<const unsigned char> body;
};

std::span<const WebAsset> web_assets();
// Null when `path` is not one of them: only these fixed paths exist, never a file lookup.
const WebAsset* find_web_asset(std::string_view path);
// False when the build had no npm to fetch uPlot: the overview then shows numbers only.
bool web_console_has_charts();

}  // namespace tern
