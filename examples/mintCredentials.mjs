// Mint time-limited TURN credentials for a browser, as ternd --use-auth-secret checks them.
//
// The TURN REST API scheme: the username is "<expiry>:<user>" (expiry in Unix seconds),
// the password is base64(HMAC-SHA1(secret, username)). ternd holds the same secret, so it
// checks a credential without a database, and a leaked one stops working at its expiry.
//
//   TURN_SECRET=north-wind TURN_HOST=turn.example.org node mintCredentials.mjs
//
// prints the RTCConfiguration fragment a backend hands to the browser:
// {"iceServers": [{"urls": [...], "username": "...", "credential": "..."}]}
//
// Environment: TURN_SECRET (required: ternd's static-auth-secret), TURN_USER (who the
// credential is for; default "webrtc"), TURN_TTL (seconds; default 86400), TURN_HOST
// (default 127.0.0.1), TURN_PORT (3478), TURN_TLS_PORT (5349). Node's own crypto only.

import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';

// Returns { username, credential } valid for ttl seconds from now.
export function mint(secret, user, ttl = 86400, now = Date.now() / 1000, separator = ':') {
  const expiry = Math.floor(now) + Number(ttl);
  // An empty user gives the bare expiry, which the REST API allows too.
  const username = user ? `${expiry}${separator}${user}` : `${expiry}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

// The iceServers entry: TURN over UDP, TCP, and TLS for networks that allow only 443-like
// traffic.
export function iceServers({ username, credential }, host, port = 3478, tlsPort = 5349) {
  return [
    {
      urls: [
        `turn:${host}:${port}?transport=udp`,
        `turn:${host}:${port}?transport=tcp`,
        `turns:${host}:${tlsPort}?transport=tcp`,
      ],
      username,
      credential,
    },
  ];
}

function main() {
  const env = process.env;
  if (!env.TURN_SECRET) {
    console.error("mintCredentials.mjs: set TURN_SECRET to ternd's static-auth-secret");
    process.exit(1);
  }
  const minted = mint(env.TURN_SECRET, env.TURN_USER ?? 'webrtc', env.TURN_TTL ?? 86400);
  const servers = iceServers(
    minted,
    env.TURN_HOST ?? '127.0.0.1',
    env.TURN_PORT ?? 3478,
    env.TURN_TLS_PORT ?? 5349,
  );
  console.log(JSON.stringify({ iceServers: servers }, null, 2));
}

// Run as a script, not imported (node -e and other modules import it for mint()).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
