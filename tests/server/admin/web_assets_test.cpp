// The web console's embedded files: each has the Content-Type its extension names, the
// page is at "/", and only those fixed paths are found.

#include "server/admin/web_assets.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tern {
namespace {

std::string_view expected_type(std::string_view path) {
  if (path == "/") return "text/html; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  return "(unexpected extension)";
}

TEST(WebAssets, EachHasItsExtensionsContentTypeAndAnETag) {
  std::set<std::string_view> paths;
  for (const auto& asset : web_assets()) {
    EXPECT_TRUE(paths.insert(asset.path).second) << asset.path << " twice";
    EXPECT_EQ(asset.content_type, expected_type(asset.path)) << asset.path;
    EXPECT_EQ(asset.etag.size(), 18u) << asset.path;  // 16 hex digits, quoted
    EXPECT_FALSE(asset.body.empty()) << asset.path;
  }
  for (const char* path : {"/", "/app.js", "/api.js", "/overview.js", "/sessions.js", "/ice.js",
                           "/console.css", "/vendor/uPlot.esm.js", "/vendor/uPlot.min.css"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
}

TEST(WebAssets, OnlyTheFixedPathsAreFound) {
  ASSERT_NE(find_web_asset("/"), nullptr);
  EXPECT_NE(std::string_view(reinterpret_cast<const char*>(find_web_asset("/")->body.data()),
                             find_web_asset("/")->body.size())
                .find("<script type=\"module\" src=\"/app.js\">"),
            std::string_view::npos);
  for (const char* path : {"", "/index.html", "app.js", "/app.js/", "/../app.js", "/vendor/",
                           "/package.json", "/no-charts/uPlot.esm.js"}) {
    EXPECT_EQ(find_web_asset(path), nullptr) << path;
  }
}

}  // namespace
}  // namespace tern
