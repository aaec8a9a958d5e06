#include "server/admin/web_console.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include <memory>
#include <string>

#include "base/libevent.h"
#include "server/admin/web_assets.h"

namespace tern {
namespace {

// No inline script or style, no eval, nothing from elsewhere. connect-src governs fetch()
// to the API; RTCPeerConnection's TURN and STUN traffic is outside CSP, so the ICE test
// still reaches any server.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

bool etag_matches(evhttp_request* req, const WebAsset& asset) {
  const char* given = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
  return given != nullptr && std::string_view(given).find(asset.etag) != std::string_view::npos;
}

}  // namespace

bool serve_web_console(evhttp_request* req) {
  if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) return false;
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
  const char* path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
  const WebAsset* asset = find_web_asset(path != nullptr ? path : "");
  if (asset == nullptr) return false;
  evkeyvalq* headers = evhttp_request_get_output_headers(req);
  evhttp_add_header(headers, "Content-Security-Policy", kPolicy);
  evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
  evhttp_add_header(headers, "Referrer-Policy", "no-referrer");
  evhttp_add_header(headers, "X-Frame-Options", "DENY");
  evhttp_add_header(headers, "Cross-Origin-Opener-Policy", "same-origin");
  // Revalidated every time (cheap with the ETag), so an upgraded ternd never serves a
  // page that mixes old and new modules.
  evhttp_add_header(headers, "Cache-Control", "no-cache");
  evhttp_add_header(headers, "ETag", std::string(asset->etag).c_str());
  if (etag_matches(req, *asset)) {
    evhttp_send_reply(req, HTTP_NOTMODIFIED, "Not Modified", nullptr);
    return true;
  }
  evhttp_add_header(headers, "Content-Type", std::string(asset->content_type).c_str());
  std::unique_ptr<evbuffer, Deleter<evbuffer_free>> out(evbuffer_new());
  evbuffer_add_reference(out.get(), asset->body.data(), asset->body.size(), nullptr, nullptr);
  evhttp_send_reply(req, HTTP_OK, "OK", out.get());
  return true;
}

}  // namespace tern
