// ternd's web console (--web-admin) over HTTP against a real ternd: the page and its files
// are served under a strict Content-Security-Policy with their own Content-Types and no
// token, while every byte of data still needs the token; without --web-admin there is no
// page; POST /v1/ice-credential mints a REST credential from the secret without returning
// it. The page itself in a browser: tests/interop/web_console_test.js.

#include <gtest/gtest.h>

#include <charconv>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/json_value.h"
#include "tests/support/http_probe.h"
#include "tests/support/rest_mint.h"
#include "tests/support/ternd_on_free_ports.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

constexpr const char* kToken = "console-admin-token";
constexpr const char* kSecret = "console-rest-secret";

class WebConsole : public ::testing::Test {
 protected:
  // ternd with the admin API on a port of its own and `extra` flags.
  void start(std::vector<std::string> extra) {
    auto started = start_ternd_on_free_ports(1, [&](std::span<const uint16_t> ports) {
      std::vector<std::string> args = {"--relay-ip",     "127.0.0.1",
                                       "--user",         "alice:secret",
                                       "--realm",        "tern.test",
                                       "--admin-token",  kToken,
                                       "--admin-listen", "127.0.0.1:" + std::to_string(ports[0])};
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    });
    ASSERT_TRUE(started) << "could not start ternd with an admin port\n" << started.error();
    admin_port_ = started->ports[0];
    ternd_.emplace(std::move(started->ternd));
  }

  HttpReply request(const std::string& method, const std::string& target,
                    const std::optional<std::string>& token = std::nullopt) {
    auto reply = http(method, target, token, admin_port_);
    EXPECT_TRUE(reply) << method << " " << target << " got no reply\n" << ternd_->diagnostics();
    return reply.value_or(HttpReply{});
  }

  std::string header(const HttpReply& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it != r.headers.end() ? it->second : "(missing)";
  }

  uint16_t admin_port_ = 0;
  std::optional<TerndProcess> ternd_;
};

TEST_F(WebConsole, Off_NoPageAtRoot_Is401) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  for (const char* path : {"/", "/app.js", "/console.css"}) {
    const auto r = request("GET", path);
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(header(r, "content-type"), "application/json") << path;
    EXPECT_EQ(r.body.find("<html"), std::string::npos) << path;
  }
}

TEST_F(WebConsole, On_PageServedWithoutTokenUnderStrictHeaders) {
  ASSERT_NO_FATAL_FAILURE(start({"--web-admin"}));
  const auto r = request("GET", "/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "content-type"), "text/html; charset=utf-8");
  const std::string csp = header(r, "content-security-policy");
  for (const char* directive :
       {"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
        "img-src 'self' data:", "frame-ancestors 'none'"}) {
    EXPECT_NE(csp.find(directive), std::string::npos) << directive << " not in " << csp;
  }
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(header(r, "x-content-type-options"), "nosniff");
  EXPECT_EQ(header(r, "referrer-policy"), "no-referrer");
  EXPECT_EQ(header(r, "x-frame-options"), "DENY");
  EXPECT_EQ(header(r, "cache-control"), "no-cache");
  EXPECT_NE(r.body.find("data-test=\"login\""), std::string::npos);
  // No inline script or style for the policy to have to allow.
  EXPECT_FALSE(std::regex_search(r.body, std::regex("<script(?![^>]*\\bsrc=)"))) << r.body;
  EXPECT_EQ(r.body.find("<style"), std::string::npos);
  EXPECT_EQ(r.body.find(" style="), std::string::npos);
}

TEST_F(WebConsole, On_AssetsHaveTheirContentTypesAndRevalidate) {
  ASSERT_NO_FATAL_FAILURE(start({"--web-admin"}));
  const std::pair<const char*, const char*> assets[] = {
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/ice.js", "text/javascript; charset=utf-8"},
      {"/console.css", "text/css; charset=utf-8"},
      {"/vendor/uPlot.esm.js", "text/javascript; charset=utf-8"},
      {"/vendor/uPlot.min.css", "text/css; charset=utf-8"},
  };
  for (const auto& [path, type] : assets) {
    const auto r = request("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(header(r, "content-type"), type) << path;
    EXPECT_EQ(header(r, "x-content-type-options"), "nosniff") << path;
    const std::string etag = header(r, "etag");
    ASSERT_TRUE(etag.starts_with('"')) << path << ": " << etag;
    auto again =
        http_raw(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag +
                     "\r\nConnection: close\r\n\r\n",
                 admin_port_);
    ASSERT_TRUE(again) << path;
    EXPECT_EQ(again->status, 304) << path;
    EXPECT_TRUE(again->body.empty()) << path;
  }
  // Only the embedded files exist; anything else is the token-protected API.
  for (const char* path : {"/index.html", "/../app.js", "/vendor/", "/etc/passwd"}) {
    EXPECT_EQ(request("GET", path).status, 401) << path;
  }
  EXPECT_EQ(request("POST", "/").status, 401);
}

TEST_F(WebConsole, On_DataStillNeedsTheToken) {
  ASSERT_NO_FATAL_FAILURE(
      start({"--web-admin", "--use-auth-secret", "--static-auth-secret", kSecret}));
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/stats"}, {"GET", "/v1/sessions"}, {"POST", "/v1/ice-credential"}}) {
    EXPECT_EQ(request(method, path).status, 401) << path;
    EXPECT_EQ(request(method, path, "wrong").status, 401) << path;
  }
  const auto stats = request("GET", "/v1/stats", kToken);
  ASSERT_EQ(stats.status, 200);
  auto json = JsonValue::parse(stats.body);
  ASSERT_TRUE(json) << stats.body;
  const std::string udp = "udp 127.0.0.1:" + std::to_string(ternd_->port());
  ASSERT_NE(json->member("listeners"), nullptr) << stats.body;
  EXPECT_NE(stats.body.find("\"" + udp + "\""), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"relay_addresses\":[\"127.0.0.1\"]"), std::string::npos)
      << stats.body;
  EXPECT_NE(stats.body.find("\"relayed\":{\"packets_to_peer\":0"), std::string::npos) << stats.body;
}

TEST_F(WebConsole, MintedCredential_IsRestCredentialOfTheSecret_WithoutTheSecret) {
  ASSERT_NO_FATAL_FAILURE(start({"--use-auth-secret", "--static-auth-secret", kSecret}));
  const int64_t before = unix_now();
  const auto r = request("POST", "/v1/ice-credential", kToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(kSecret), std::string::npos) << r.body;
  auto json = JsonValue::parse(r.body);
  ASSERT_TRUE(json) << r.body;
  const std::string username = json->text("username");
  const std::string credential = json->text("credential");
  ASSERT_TRUE(username.ends_with(":web-console")) << r.body;
  int64_t expiry = 0;
  std::from_chars(username.data(), username.data() + username.find(':'), expiry);
  EXPECT_GE(expiry, before + 600);
  EXPECT_LE(expiry, unix_now() + 600);
  EXPECT_EQ(credential, rest_password(kSecret, username));
  EXPECT_EQ(json->integer("ttl"), 600);
  EXPECT_NE(r.body.find("\"turn:127.0.0.1:" + std::to_string(ternd_->port()) + "?transport=udp\""),
            std::string::npos)
      << r.body;
  EXPECT_EQ(request("GET", "/v1/ice-credential", kToken).status, 405);
}

TEST_F(WebConsole, MintWithoutSecret_Is409WithReason) {
  ASSERT_NO_FATAL_FAILURE(start({"--web-admin"}));
  const auto r = request("POST", "/v1/ice-credential", kToken);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(header(r, "content-type"), "application/json");
  EXPECT_NE(r.body.find("use-auth-secret"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace tern::test
