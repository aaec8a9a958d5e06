#!/usr/bin/env node
'use strict';
// ternd's web console (--web-admin) in headless Chromium, one browser and one ternd for
// every check:
//   - without the token the page shows the login and the API answers 401;
//   - logging in with the token shows the overview;
//   - an allocation a client makes (a second page's relay-only RTCPeerConnection, with a
//     REST username carrying <img src=x onerror=alert(1)>) appears in the sessions table
//     with its data-session-id, its username shown as text (no dialog, no console error),
//     and a kill asks first in the page: Cancel kills nothing, Confirm removes it;
//   - the ICE test with a credential ternd mints shows a relay candidate and completes the
//     relay-only call;
//   - the ICE test against another TURN server (Debian's coturn, its URL and a static
//     user's credential typed in) does the same through coturn.
// Screenshots of each page go to --screenshots DIR.
//
//   node web_console_test.js --ternd build/server/ternd --screenshots build/web-console-screenshots
//
// Exit codes as webrtc_relay_test.js (whose launch code this reuses): 0 pass, 1 fail, 77 skip.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {Ternd, kChromium, kChromiumArgs, kSkip, kUser, kPassword, pickPort, sleep} =
    require('./webrtc_relay_test.js');

const kToken = 'console-test-token';
const kSecret = 'console-test-secret';
const kXss = '<img src=x onerror=alert(1)>';
const kWaitMs = 20000;
const kCoturn = '/usr/bin/turnserver';
const kCoturnRealm = 'coturn.test';

// Debian's coturn on a loopback port of its own with the static user kUser, started,
// awaited and stopped as Ternd is: "any URL" of the ICE test, tried for real.
class Coturn extends Ternd {
  constructor(dir) {
    super(kCoturn, dir, 'coturn');
  }

  args(window) {
    const args = ['-n', '--listening-ip', this.ip, '--listening-port', String(this.port),
      '--relay-ip', '127.0.0.1', '--realm', kCoturnRealm, '--lt-cred-mech',
      '--user', `${kUser}:${kPassword}`,
      // Chromium's two peer connections reach each other's relay addresses on loopback.
      '--allow-loopback-peers', '--no-tls', '--no-dtls', '--no-cli',
      // -v: a line per Allocate, which the test looks for.
      '-v',
      '--log-file', this.logPath, '--simple-log', '--no-stdout-log',
      '--pidfile', path.join(this.dir, 'coturn.pid'),
      // Not /var/lib/turn/turndb, coturn's default.
      '--userdb', path.join(this.dir, 'coturn.db')];
    if (window) args.push('--min-port', String(window.first), '--max-port', String(window.last));
    return args;
  }
}

function parseArgs(argv) {
  const args = {ternd: null, screenshots: null, timeoutMs: 90000};
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    if (argv[i] === '--ternd') args.ternd = value();
    else if (argv[i] === '--screenshots') args.screenshots = value();
    else if (argv[i] === '--timeout-ms') args.timeoutMs = Number(value());
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.ternd) throw new Error('--ternd PATH is required');
  return args;
}

// A REST credential as an application server mints it (the test's own HMAC, not ternd's).
function restCredential(user) {
  const username = `${Math.floor(Date.now() / 1000) + 600}:${user}`;
  const credential = crypto.createHmac('sha1', kSecret).update(username).digest('base64');
  return {username, credential};
}

// Runs in the client page: a relay-only peer connection kept open (Chromium refreshes its
// allocation) until the page closes; resolves once it has a relay candidate.
async function holdAllocation({url, username, credential, waitMs}) {
  const pc = new RTCPeerConnection({iceServers: [{urls: url, username, credential}], iceTransportPolicy: 'relay'});
  window.heldPc = pc;
  pc.createDataChannel('hold');
  const relay = new Promise((resolve) => {
    pc.onicecandidate = (e) => e.candidate && e.candidate.type === 'relay' && resolve(e.candidate.address);
  });
  await pc.setLocalDescription(await pc.createOffer());
  return Promise.race([relay, new Promise((_, reject) => setTimeout(() => reject(new Error('no relay candidate')), waitMs))]);
}

class Checks {
  constructor() { this.failures = []; this.passed = []; }
  ok(what) { this.passed.push(what); console.log(`ok: ${what}`); }
  fail(what) { this.failures.push(what); console.log(`FAILED: ${what}`); }
  async step(what, fn) {
    try {
      await fn();
      this.ok(what);
    } catch (err) {
      this.fail(`${what}: ${err && err.message ? err.message : err}`);
    }
  }
}

async function run(args, session, checks) {
  const adminPort = await pickPort();
  session.ternd.extraArgs.push('--admin-listen', `127.0.0.1:${adminPort}`, '--admin-token', kToken,
                               '--web-admin', '--use-auth-secret', '--static-auth-secret', kSecret);
  await session.ternd.start();
  const origin = `http://127.0.0.1:${adminPort}`;
  const turnUrl = `turn:127.0.0.1:${session.ternd.port}?transport=udp`;
  const {chromium} = require('playwright-core');
  session.browser = await chromium.launch({executablePath: kChromium, args: kChromiumArgs});
  const context = await session.browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  const dialogs = [];
  const consoleErrors = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const shot = async (name) => {
    if (!args.screenshots) return;
    fs.mkdirSync(args.screenshots, {recursive: true});
    await page.screenshot({path: path.join(args.screenshots, `${name}.png`), fullPage: true});
  };
  const visible = (selector) => page.waitForSelector(selector, {state: 'visible', timeout: kWaitMs});

  await checks.step('without the token: the login shows and the API answers 401', async () => {
    await page.goto(`${origin}/`);
    await visible('[data-test="login"]');
    const status = await page.evaluate(async () => (await fetch('/v1/stats')).status);
    if (status !== 401) throw new Error(`GET /v1/stats without a token answered ${status}`);
    if (await page.isVisible('[data-test="sessions"]')) throw new Error('the sessions table shows');
    await shot('login');
  });
  if (checks.failures.length) return;  // no console here: every later step would only wait

  await checks.step('a wrong token is refused and the login shows again', async () => {
    await page.fill('[data-test="login-token"]', 'not-the-token');
    await page.click('[data-test="login-submit"]');
    await page.waitForFunction(
        () => document.querySelector('[data-test="login-error"]').textContent.includes('refused'),
        null, {timeout: kWaitMs});
    await visible('[data-test="login"]');
  });
  consoleErrors.length = 0;  // the 401s just provoked log "Failed to load resource"

  await checks.step('log in with the token: the overview shows version and listeners', async () => {
    await page.fill('[data-test="login-token"]', kToken);
    await page.click('[data-test="login-submit"]');
    await page.waitForFunction(
        (port) => (document.querySelector('[data-test="overview-listeners"]')?.textContent ?? '').includes(`:${port}`),
        session.ternd.port, {timeout: kWaitMs});
    await page.waitForSelector('#charts canvas', {timeout: kWaitMs});
    await sleep(1500);  // a few points on the charts for the screenshot
    await shot('overview');
  });

  const client = await context.newPage();
  await checks.step('a live allocation shows in the sessions table, username as text', async () => {
    await client.goto('about:blank');
    const cred = restCredential(kXss);
    await client.evaluate(holdAllocation, {url: turnUrl, ...cred, waitMs: kWaitMs});
    await page.bringToFront();  // the operator's tab; a background one gets no animation frames
    await page.goto(`${origin}/#sessions`);
    const row = await page.waitForFunction((xss) => {
      for (const tr of document.querySelectorAll('[data-test="sessions"] tbody tr[data-session-id]')) {
        if (tr.cells[0].textContent.endsWith(xss)) return tr.getAttribute('data-session-id');
      }
      return null;
    }, kXss, {timeout: kWaitMs});
    session.sessionId = await row.jsonValue();
    if (await page.$('[data-test="sessions"] img')) throw new Error('the username became an <img> element');
    await shot('sessions');
  });

  // The prompt in the page, its question, and that it went away after `button`.
  const answerKillPrompt = async (button) => {
    await visible('[data-test="kill-prompt"]');
    const question = await page.textContent('[data-test="kill-question"]');
    await page.click(`[data-test="${button}"]`);
    await page.waitForSelector('[data-test="kill-prompt"]', {state: 'hidden', timeout: kWaitMs});
    return question;
  };
  const sessionIds = () => page.evaluate(async () => {
    const response = await fetch('/v1/sessions', {
      headers: {Authorization: `Bearer ${sessionStorage.getItem('tern.adminToken')}`}});
    return (await response.json()).map((s) => s.id);
  });

  await checks.step("a kill of the user's sessions asks first; Cancel kills nothing", async () => {
    if (!session.sessionId) throw new Error('no session to kill');
    const user = await page.textContent(`tr[data-session-id="${session.sessionId}"] td`);
    await page.fill('[data-test="sessions-filter"]', user);
    await page.press('[data-test="sessions-filter"]', 'Enter');
    await page.waitForSelector('[data-test="kill-user"]:not([disabled])', {timeout: kWaitMs});
    await page.waitForFunction((u) => {
      const rows = [...document.querySelectorAll('[data-test="sessions"] tbody tr')];
      return rows.length > 0 && rows.every((tr) => tr.cells[0].textContent === u);
    }, user, {timeout: kWaitMs});
    const rows = (await page.$$('[data-test="sessions"] tbody tr')).length;
    await page.click('[data-test="kill-user"]');
    await shot('sessions-kill-prompt');
    const question = await answerKillPrompt('kill-cancel');
    const want = `Kill ${rows} session${rows === 1 ? '' : 's'} of ${user}?`;
    if (question !== want) throw new Error(`the prompt asked ${JSON.stringify(question)}, not ${JSON.stringify(want)}`);
    await sleep(2500);  // past the table's next refresh, and any kill that went out
    if (!(await sessionIds()).includes(session.sessionId)) throw new Error('Cancel killed the session');
    if (!(await page.$(`tr[data-session-id="${session.sessionId}"]`))) throw new Error('the row went away');
    const status = await page.textContent('[data-test="sessions-status"]');
    if (!status.startsWith('not killed')) throw new Error(`status after Cancel: ${status}`);
  });

  await checks.step('a kill from the page, confirmed, removes the allocation', async () => {
    if (!session.sessionId) throw new Error('no session to kill');
    await page.click(`tr[data-session-id="${session.sessionId}"] [data-test="kill"]`);
    const question = await answerKillPrompt('kill-confirm');
    if (!question.startsWith('Kill 1 session of ') || !question.includes(kXss)) {
      throw new Error(`the prompt asked ${JSON.stringify(question)}`);
    }
    await page.waitForFunction(
        (id) => !document.querySelector(`tr[data-session-id="${id}"]`), session.sessionId,
        {timeout: kWaitMs});
    if ((await sessionIds()).includes(session.sessionId)) throw new Error('the API still lists it');
  });
  await client.close();

  await checks.step('no script ran from the username: no dialog, no console error', async () => {
    if (dialogs.length) throw new Error(`dialogs: ${JSON.stringify(dialogs)}`);
    if (consoleErrors.length) throw new Error(`console errors: ${JSON.stringify(consoleErrors)}`);
  });

  // Runs the ICE test as filled in and checks: the call completed relay to relay, and a
  // relay candidate from `url` is listed.
  const runIceTest = async (url) => {
    await page.click('[data-test="ice-run"]');
    await page.waitForFunction(
        () => /relay-only call: (ok|FAILED)/.test(document.querySelector('[data-test="ice-result"]').textContent),
        null, {timeout: 45000});
    const result = await page.textContent('[data-test="ice-result"]');
    console.log(`ice-result (${url}):\n  ${result.split('\n').join('\n  ')}`);
    if (!result.includes('relay-only call: ok')) throw new Error(result);
    if (!/selected pair: relay .* <-> relay /.test(result)) throw new Error(`no relay pair: ${result}`);
    // Each relay row: [relay protocol, server].
    const relays = await page.$$eval('[data-test="ice-candidates"] tr[data-type="relay"]',
        (rows) => rows.map((tr) => [tr.cells[4].textContent, tr.cells[5].textContent]));
    if (!relays.some(([protocol, server]) => server === url && protocol === 'udp')) {
      throw new Error(`no relay row from ${url} over udp in ice-candidates: ${JSON.stringify(relays)}`);
    }
  };

  await checks.step('ICE test with a minted credential: relay candidate and relay-only call ok', async () => {
    await page.goto(`${origin}/#ice`);
    await page.fill('[data-test="ice-urls"]', turnUrl);
    await page.click('[data-test="ice-mint"]');
    await page.waitForFunction(
        () => document.querySelector('[data-test="ice-username"]').value.endsWith(':web-console'),
        null, {timeout: kWaitMs});
    const credential = await page.inputValue('[data-test="ice-credential"]');
    if (!credential || credential.includes(kSecret)) throw new Error('the minted credential carries the secret');
    await page.check('[data-test="ice-video"]');
    await runIceTest(turnUrl);
    await shot('ice');
  });

  // As the turnutils interop tests do without coturn: skipped and said so, not passed.
  if (!fs.existsSync(kCoturn)) {
    console.log(`skipped: the ICE test against coturn: ${kCoturn} not installed (apt-get install coturn; make test does)`);
  } else {
    await checks.step('ICE test against coturn, URL and credential typed in: relay and call ok', async () => {
      await session.coturn.start();
      const coturnUrl = `turn:127.0.0.1:${session.coturn.port}?transport=udp`;
      await page.fill('[data-test="ice-urls"]', coturnUrl);
      await page.fill('[data-test="ice-username"]', kUser);
      await page.fill('[data-test="ice-credential"]', kPassword);
      await page.uncheck('[data-test="ice-video"]');
      await runIceTest(coturnUrl);
      await shot('ice-coturn');
      // coturn made the allocations the call went through.
      const coturnLog = fs.readFileSync(session.coturn.logPath, 'utf8');
      if (!/ALLOCATE processed, success/.test(coturnLog)) throw new Error('coturn logged no successful Allocate');
    });
  }
  if (dialogs.length || consoleErrors.length) {
    checks.fail(`dialogs ${JSON.stringify(dialogs)}, console errors ${JSON.stringify(consoleErrors)}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(kChromium)) {
    console.log(`SKIP: ${kChromium} not installed (apt-get install chromium; make test does)`);
    return kSkip;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-web-console-'));
  const session = {ternd: new Ternd(path.resolve(args.ternd), dir), coturn: new Coturn(dir), browser: null};
  const checks = new Checks();
  let timer = null;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), args.timeoutMs);
  });
  try {
    const outcome = await Promise.race([run(args, session, checks), deadline]);
    if (outcome === 'timeout') checks.fail(`not done within ${args.timeoutMs} ms`);
  } catch (err) {
    checks.fail(String(err && err.stack ? err.stack : err));
  }
  clearTimeout(timer);
  if (session.browser) await Promise.race([session.browser.close().catch(() => {}), sleep(5000)]);
  await session.ternd.stop();
  await session.coturn.stop();
  const exit = session.ternd.exit;
  if (exit && exit.code !== 0) checks.fail(`ternd exit ${JSON.stringify(exit)}`);
  if (checks.failures.length === 0) {
    console.log(`PASS: ${checks.passed.length} console checks` +
                (args.screenshots ? `; screenshots in ${args.screenshots}` : ''));
    fs.rmSync(dir, {recursive: true, force: true});
    return 0;
  }
  console.log(`FAIL:\n  ${checks.failures.join('\n  ')}`);
  console.log(session.ternd.diagnostics());
  if (session.coturn.child) console.log(session.coturn.diagnostics());
  console.log(`kept ${dir} for the post-mortem`);
  return 1;
}

main().then((code) => process.exit(code), (err) => {
  console.log(`FAIL: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
