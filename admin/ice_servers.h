#pragma once
// The WebRTC side of a minted credential: the TURN URLs of a host (RFC 7065) and the
// RTCIceServer entry a browser's RTCPeerConnection takes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"

namespace tern::admin {

inline constexpr int kDefaultTurnPort = 3478;  // ternd's listening-port
inline constexpr int kDefaultTlsPort = 5349;   // ternd's tls-listening-port

// The schemes of RFC 7064/7065 URIs a browser's RTCIceServer takes.
bool is_ice_url(std::string_view url);

// Why `host` cannot stand in a turn: URL ("" when it can): it ends up in a browser's
// config, so a space, '/', '?' or '@' would make a URL that means something else.
std::string host_problem(std::string_view host);

// UDP and TCP on 3478 and TLS on 5349, ternd's defaults; an IPv6 literal is bracketed.
std::vector<std::string> default_ice_urls(std::string_view host);

// This machine's name (gethostname); nullopt when it has none.
std::optional<std::string> local_host_name();

// [{"urls":[...],"username":...,"credential":...}]: the JSON array a web app passes as
// RTCConfiguration.iceServers, written as the next value of `j`.
void ice_servers_json(JsonWriter& j, const std::vector<std::string>& urls,
                      std::string_view username, std::string_view credential);

}  // namespace tern::admin
