#include "server/admin/web_assets.h"

#include <algorithm>

namespace tern {

const WebAsset* find_web_asset(std::string_view path) {
  const auto assets = web_assets();
  const auto it = std::ranges::find(assets, path, &WebAsset::path);
  return it != assets.end() ? &*it : nullptr;
}

}  // namespace tern
