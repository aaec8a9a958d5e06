#pragma once
// The web console's files on the admin listener (--web-admin): served without the token,
// since they hold no data (the page asks the token-protected JSON API for that), under a
// Content-Security-Policy that allows only the console's own scripts and styles.

#include <event2/http.h>

namespace tern {

// Answers a GET for one of the embedded files (web_assets.h) and returns true; anything
// else is left to the caller.
bool serve_web_console(evhttp_request* req);

}  // namespace tern
