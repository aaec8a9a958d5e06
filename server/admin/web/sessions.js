// The live allocations from /v1/sessions, refreshed every two seconds, with the kills
// ternctl has: one session (DELETE /v1/sessions/<id>) or a user's (POST /v1/sessions/kill).
// A kill drops live calls, so it is asked in the page first ("Kill 2 sessions of bob?"):
// a stray click does nothing until Confirm, and no window.confirm() popup is needed.

import {api, element, formatBytes, formatDuration} from './api.js';

const kPeriodMs = 2000;

function sessionCount(n) {
  return `${n} session${n === 1 ? '' : 's'}`;
}

export class Sessions {
  constructor(root) {
    this.root = root;
    this.body = root.querySelector('tbody');
    this.status = root.querySelector('#sessions-status');
    this.killUser = root.querySelector('#kill-user');
    this.prompt = root.querySelector('#kill-prompt');
    this.question = root.querySelector('#kill-question');
    this.user = '';
    this.sessions = [];
    this.pending = null;  // the kill the prompt asks about
    this.timer = null;
    const filter = root.querySelector('#sessions-filter');
    filter.addEventListener('submit', (event) => {
      event.preventDefault();
      this.user = new FormData(filter).get('user').trim();
      this.killUser.disabled = this.user === '';
      this.cancel();
      this.refresh();
    });
    this.killUser.addEventListener('click', () => {
      const user = this.user;
      const count = this.sessions.filter((s) => s.user === user).length;
      this.ask(`Kill ${sessionCount(count)} of ${user}?`,
          {method: 'POST', path: `/v1/sessions/kill?user=${encodeURIComponent(user)}`, what: `user ${user}`});
    });
    root.querySelector('#kill-confirm').addEventListener('click', () => {
      const kill = this.pending;
      this.cancel();
      if (kill) this.kill(kill);
    });
    root.querySelector('#kill-cancel').addEventListener('click', () => {
      if (this.pending) this.status.textContent = `not killed: ${this.pending.what}`;
      this.cancel();
    });
    this.prompt.addEventListener('keydown', (event) => event.key === 'Escape' && this.cancel());
  }

  show(onError) {
    this.onError = onError;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), kPeriodMs);
  }

  hide() {
    clearInterval(this.timer);
    this.timer = null;
    this.cancel();
  }

  // The prompt in the page; Cancel has the focus, so Enter on a stray prompt kills nothing.
  ask(question, kill) {
    this.pending = kill;
    this.question.textContent = question;
    this.prompt.hidden = false;
    this.prompt.querySelector('#kill-cancel').focus();
  }

  cancel() {
    this.pending = null;
    this.prompt.hidden = true;
  }

  async refresh() {
    const query = this.user ? `?user=${encodeURIComponent(this.user)}` : '';
    try {
      this.render(await api('GET', `/v1/sessions${query}`));
    } catch (error) {
      if (!this.onError(error)) this.status.textContent = `cannot list sessions: ${error.message}`;
    }
  }

  async kill({method, path, what}) {
    try {
      const answer = await api(method, path);
      this.status.textContent = `killed ${what}: ${answer.killed} allocation(s)`;
    } catch (error) {
      if (!this.onError(error)) this.status.textContent = `cannot kill ${what}: ${error.message}`;
    }
    await this.refresh();
  }

  // Rows stay the same elements from one refresh to the next (keyed by session id), so a
  // Kill clicked as the table refreshes still lands on its row.
  render(sessions) {
    this.sessions = sessions;
    const now = Date.now() / 1000;
    const before = new Map([...this.body.rows].map((row) => [row.getAttribute('data-session-id'), row]));
    const rows = sessions.map((s) => {
      const cells = [s.user, s.realm, s.client, s.transport, s.relayed.join(', '),
        formatDuration(now - s.created), formatBytes(s.bytes_to_peer), formatBytes(s.bytes_to_client)];
      const row = before.get(s.id) ?? this.row(s, cells.length);
      cells.forEach((text, i) => {
        if (row.cells[i].textContent !== text) row.cells[i].textContent = text;
      });
      return row;
    });
    const same = rows.length === this.body.rows.length && rows.every((row, i) => row === this.body.rows[i]);
    if (!same) this.body.replaceChildren(...rows);
    if (!/^(killed|not killed)/.test(this.status.textContent)) {
      this.status.textContent = `${sessions.length} session(s)${this.user ? ` of ${this.user}` : ''}`;
    }
  }

  // A new session's row: `columns` text cells and its Kill button.
  row(s, columns) {
    const row = element('tr', undefined, {'data-session-id': s.id});
    for (let i = 0; i < columns; i++) row.append(element('td'));
    const kill = element('button', 'Kill', {type: 'button', 'data-test': 'kill'});
    kill.addEventListener('click', () => this.ask(`Kill ${sessionCount(1)} of ${s.user} (${s.client})?`,
        {method: 'DELETE', path: `/v1/sessions/${encodeURIComponent(s.id)}`, what: `session ${s.id}`}));
    row.append(element('td'));
    row.lastChild.append(kill);
    return row;
  }
}
