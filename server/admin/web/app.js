// The console's shell: login, the three views behind #overview, #sessions and #ice, and
// the one place a refused token sends the page back to the login.

import {token, Unauthorized} from './api.js';
import {IceTest} from './ice.js';
import {Overview} from './overview.js';
import {Sessions} from './sessions.js';

const views = {
  overview: new Overview(document.getElementById('overview-view')),
  sessions: new Sessions(document.getElementById('sessions-view')),
  ice: new IceTest(document.getElementById('ice-view')),
};
let current = null;

function showLogin(message = '') {
  current?.hide();
  current = null;
  for (const view of Object.keys(views)) document.getElementById(`${view}-view`).hidden = true;
  document.getElementById('nav').hidden = true;
  document.getElementById('login-view').hidden = false;
  document.getElementById('login-error').textContent = message;
  document.querySelector('[data-test="login-token"]').focus();
}

function onError(error) {
  if (error instanceof Unauthorized) {
    token.clear();
    showLogin('That token was refused: log in again.');
    return true;
  }
  return false;
}

function route() {
  if (!token.get()) return showLogin();
  const name = location.hash.slice(1) in views ? location.hash.slice(1) : 'overview';
  document.getElementById('login-view').hidden = true;
  document.getElementById('nav').hidden = false;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.getAttribute('href') === `#${name}`);
  }
  current?.hide();
  for (const view of Object.keys(views)) document.getElementById(`${view}-view`).hidden = view !== name;
  current = views[name];
  current.show(onError);
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = new FormData(event.target).get('token').trim();
  if (!value) return;
  token.set(value);
  event.target.reset();
  route();
});
document.getElementById('logout').addEventListener('click', () => {
  token.clear();
  showLogin();
});
window.addEventListener('hashchange', route);
route();
