// The live allocations from /v1/sessions, refreshed every two seconds, with the kills
// ternctl has: one session (DELETE /v1/sessions/<id>) or a user's (POST /v1/sessions/kill).

import {api, element, formatBytes, formatDuration} from './api.js';

const kPeriodMs = 2000;

export class Sessions {
  constructor(root) {
    this.root = root;
    this.body = root.querySelector('tbody');
    this.status = root.querySelector('#sessions-status');
    this.killUser = root.querySelector('#kill-user');
    this.user = '';
    this.timer = null;
    const filter = root.querySelector('#sessions-filter');
    filter.addEventListener('submit', (event) => {
      event.preventDefault();
      this.user = new FormData(filter).get('user').trim();
      this.killUser.disabled = this.user === '';
      this.refresh();
    });
    this.killUser.addEventListener('click', () => this.kill(
        'POST', `/v1/sessions/kill?user=${encodeURIComponent(this.user)}`, `user ${this.user}`));
  }

  show(onError) {
    this.onError = onError;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), kPeriodMs);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async refresh() {
    const query = this.user ? `?user=${encodeURIComponent(this.user)}` : '';
    try {
      this.render(await api('GET', `/v1/sessions${query}`));
    } catch (error) {
      if (!this.onError(error)) this.status.textContent = `cannot list sessions: ${error.message}`;
    }
  }

  async kill(method, path, what) {
    try {
      const answer = await api(method, path);
      this.status.textContent = `killed ${what}: ${answer.killed} allocation(s)`;
    } catch (error) {
      if (!this.onError(error)) this.status.textContent = `cannot kill ${what}: ${error.message}`;
    }
    await this.refresh();
  }

  render(sessions) {
    const now = Date.now() / 1000;
    const rows = sessions.map((s) => {
      const row = element('tr', undefined, {'data-session-id': s.id});
      const kill = element('button', 'Kill', {type: 'button', 'data-test': 'kill'});
      kill.addEventListener('click', () =>
          this.kill('DELETE', `/v1/sessions/${encodeURIComponent(s.id)}`, `session ${s.id}`));
      const cells = [s.user, s.realm, s.client, s.transport, s.relayed.join(', '),
        formatDuration(now - s.created), formatBytes(s.bytes_to_peer), formatBytes(s.bytes_to_client)];
      row.append(...cells.map((text) => element('td', text)), element('td'));
      row.lastChild.append(kill);
      return row;
    });
    this.body.replaceChildren(...rows);
    if (!this.status.textContent.startsWith('killed')) {
      this.status.textContent = `${sessions.length} session(s)${this.user ? ` of ${this.user}` : ''}`;
    }
  }
}
