// The admin API as the console uses it: the same JSON routes as ternctl, with the token
// from this tab's sessionStorage as the bearer token.

const kTokenKey = 'tern.adminToken';

export const token = {
  get: () => sessionStorage.getItem(kTokenKey),
  set: (value) => sessionStorage.setItem(kTokenKey, value),
  clear: () => sessionStorage.removeItem(kTokenKey),
};

// The token is missing or wrong: the page goes back to the login.
export class Unauthorized extends Error {}

export async function api(method, path) {
  const response = await fetch(path, {
    method,
    headers: {Authorization: `Bearer ${token.get() ?? ''}`},
    cache: 'no-store',
  });
  if (response.status === 401) throw new Unauthorized('the admin token was refused');
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

// Text content only, never markup: every string here may come from a client.
export function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const parts = [[Math.floor(s / 86400), 'd'], [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']];
  const first = parts.findIndex(([n]) => n > 0);
  return first < 0 ? '0s' : parts.slice(first, first + 2).map(([n, u]) => `${n}${u}`).join(' ');
}
