#!/usr/bin/env node
'use strict';
// Headless Chromium as a TURN client of ternd: two RTCPeerConnections in one page, both
// limited to relay candidates (iceTransportPolicy 'relay'), connect through ternd, open a
// data channel and talk both ways; getStats() must show a selected pair whose local and
// remote candidates are both relays, reached over the transport under test.
//
//   node webrtc_relay_test.js --ternd build/server/ternd --transport udp|tcp
//
// playwright-core comes from `npm ci` (ctest's fixture runs it in the build dir and sets
// NODE_PATH). Exit codes: 0 pass, 1 fail, 77 skip (no /usr/bin/chromium); ctest maps 77 to
// "skipped". Everything started here (ternd, the browser) is stopped on every path out.
//
// With --redirect two ternds run: the page is given only A's URL, and A (started with
// --alternate-server naming B) answers every Allocate 300 Try Alternate, so the relays
// must end up on B: B made the allocations, A none. Chromium refuses to be redirected to
// a loopback address (crbug.com/649118), so B listens on 192.0.2.2, an address the test
// adds to lo inside a network namespace of its own (unshare -n): the whole run, ternds
// and browser, happens in there. Without the right to make one, the test is skipped.

const childProcess = require('node:child_process');
const dgram = require('node:dgram');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const kChromium = '/usr/bin/chromium';
const kSkip = 77;
const kUser = 'alice';
const kPassword = 'secret';
const kRealm = 'tern.test';
// The lock tests/support/free_ports.cpp takes while it picks ports and starts ternd:
// ternd binds with SO_REUSEPORT, so a port picked here and, in the same instant, by a
// C++ test would be shared silently by two servers.
const kPortLock = '/tmp/tern-integration-ports.lock';
// B's address with --redirect: TEST-NET-1, only ever inside the test's own namespace.
const kAlternateIp = '192.0.2.2';
const kInNamespace = 'TERN_WEBRTC_NETNS';

const kChromiumArgs = [
  // Tests run as root in containers, where Chromium's sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Chromium gathers candidates only on non-loopback interfaces, and its TURN client
  // sockets are bound per interface: on a host (or container) whose only interface is lo
  // it would gather nothing at all, not even relay candidates (tried: no candidates, no
  // Allocate reaches ternd). This makes lo an interface it uses; where another interface
  // exists, relay-only ICE works with or without it.
  '--allow-loopback-in-peer-connection',
];

function parseArgs(argv) {
  const args = {ternd: null, transport: 'udp', timeoutMs: 60000, messages: 20, redirect: false};
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--ternd':
        args.ternd = value();
        break;
      case '--transport':
        args.transport = value();
        break;
      case '--timeout-ms':
        args.timeoutMs = Number(value());
        break;
      case '--messages':
        args.messages = Number(value());
        break;
      case '--redirect':
        args.redirect = true;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.ternd) throw new Error('--ternd PATH is required');
  if (!['udp', 'tcp'].includes(args.transport)) {
    throw new Error(`--transport must be udp or tcp, not ${args.transport}`);
  }
  return args;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(text, lines = 40) { return text.split('\n').slice(-lines).join('\n'); }

function readOr(file, fallback = '') {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

// Holds the machine-wide port lock until release() (flock(1) keeps it while its child
// `cat` reads our stdin; closing stdin ends both).
async function acquirePortLock() {
  const holder = childProcess.spawn(
      'flock', ['-w', '30', kPortLock, 'sh', '-c', 'echo locked; exec cat'],
      {stdio: ['pipe', 'pipe', 'inherit']});
  const locked = await new Promise((resolve) => {
    holder.stdout.once('data', () => resolve(true));
    holder.once('exit', () => resolve(false));
    holder.once('error', () => resolve(false));
  });
  // Without the lock a rare shared port is still better than no test at all.
  if (!locked) console.log(`note: ${kPortLock} not locked; picking ports without it`);
  return {release: () => holder.stdin.end()};
}

function bindTcp(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({host: '127.0.0.1', port, exclusive: true}, () => resolve(server));
  });
}

function bindUdp(port) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(null));
    socket.bind({address: '127.0.0.1', port, exclusive: true}, () => resolve(socket));
  });
}

// One port free for both UDP and TCP on 127.0.0.1: ternd's --listening-port serves both.
async function pickPort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = await bindTcp(0);
    if (!tcp) continue;
    const port = tcp.address().port;
    const udp = await bindUdp(port);
    await new Promise((resolve) => tcp.close(resolve));
    if (udp) {
      await new Promise((resolve) => udp.close(resolve));
      return port;
    }
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

// A relay port window (--min-port/--max-port) below the kernel's ephemeral range and the
// default relay range, where neither client sockets nor the ternds of other tests running
// meanwhile take ports (see relay_window.h); null when none is found.
async function quietRelayWindow(count) {
  for (let attempt = 0; attempt < 32; attempt++) {
    const first = 20000 + crypto.randomInt(32767 - 20000 + 1 - count);
    let free = true;
    for (let port = first; free && port < first + count; port++) {
      const socket = await bindUdp(port);
      free = socket !== null;
      if (socket) await new Promise((resolve) => socket.close(resolve));
    }
    if (free) return {first, last: first + count - 1};
  }
  return null;
}

// A Binding request and whether ternd answered it with a success for the same transaction.
function answersBinding(ip, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const id = crypto.randomBytes(12);
    const request =
        Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
    const done = (ok) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(id)) {
        done(true);
      }
    });
    socket.send(request, port, ip);
  });
}

// The numbers of the `counters: a=1 b=2` line ternd logs when it stops.
function parseCounters(log) {
  const line = log.split('\n').reverse().find((l) => l.includes('counters: '));
  if (!line) return null;
  const counters = {};
  for (const m of line.matchAll(/(\w+)=(\d+)/g)) counters[m[1]] = Number(m[2]);
  return counters;
}

class Ternd {
  constructor(binary, dir, name = 'ternd', extraArgs = [], ip = '127.0.0.1') {
    this.binary = binary;
    this.ip = ip;
    this.dir = dir;
    this.name = name;
    this.extraArgs = extraArgs;
    this.logPath = path.join(dir, `${name}.log`);
    this.stderrPath = path.join(dir, `${name}.stderr`);
    this.child = null;
    this.exit = null;
  }

  // The command line after the binary: on this.ip and this.port, relaying from `window`
  // (null: the server's own range). A subclass starts another server the same way.
  args(window) {
    const args = [
      '--listening-ip',
      this.ip,
      '--listening-port',
      String(this.port),
      '--relay-ip',
      '127.0.0.1',
      '--user',
      `${kUser}:${kPassword}`,
      '--realm',
      kRealm,
      '--log-file',
      this.logPath,
    ];
    if (window) args.push('--min-port', String(window.first), '--max-port', String(window.last));
    return [...args, ...this.extraArgs];
  }

  async start() {
    const lock = await acquirePortLock();
    try {
      this.port = await pickPort();
      const args = this.args(await quietRelayWindow(64));
      this.command = [this.binary, ...args].join(' ');
      const err = fs.openSync(this.stderrPath, 'w');
      this.child = childProcess.spawn(this.binary, args, {stdio: ['ignore', err, err]});
      fs.closeSync(err);
      this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
        this.exit = {code, signal};
        resolve(this.exit);
      }));
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline) {
        if (this.exit)
          throw new Error(`${this.name} exited during startup (${JSON.stringify(this.exit)})`);
        if (await answersBinding(this.ip, this.port, 200)) return;
        await sleep(20);
      }
      throw new Error(`${this.name} did not answer a Binding within 10 s`);
    } finally {
      lock.release();
    }
  }

  // SIGTERM, then up to 10 s before SIGKILL; the counters of its last words.
  async stop() {
    if (!this.child) return null;
    if (!this.exit) {
      this.child.kill('SIGTERM');
      const late = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(late);
    }
    return parseCounters(readOr(this.logPath));
  }

  diagnostics() {
    return `${this.name}: ${this.command}\nexit: ${JSON.stringify(this.exit)}\n` +
        `${this.name} log (tail):\n${tail(readOr(this.logPath))}\n` +
        `${this.name} stderr (tail):\n${tail(readOr(this.stderrPath))}`;
  }
}

// Runs inside the page. Returns what happened, never throws: a failure is a field of the
// result, with everything gathered so far, so the test can print it.
async function connectThroughRelays({url, username, credential, messages, waitMs}) {
  const log = [];
  const note = (s) => log.push(`${(performance.now() / 1000).toFixed(3)} ${s}`);
  const config = {iceServers: [{urls: url, username, credential}], iceTransportPolicy: 'relay'};
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const candidates = {a: [], b: []};
  const iceErrors = [];
  for (const [name, pc, other] of [['a', a, b], ['b', b, a]]) {
    pc.onicecandidate = (e) => {
      if (!e.candidate) return;
      candidates[name].push(e.candidate.candidate);
      other.addIceCandidate(e.candidate).catch((err) => note(`${name}: addIceCandidate: ${err}`));
    };
    pc.onicecandidateerror = (e) =>
        iceErrors.push(`${name}: ${e.url} ${e.errorCode} ${e.errorText} (${e.address}:${e.port})`);
    pc.oniceconnectionstatechange = () => note(`${name}: ice ${pc.iceConnectionState}`);
    pc.onconnectionstatechange = () => note(`${name}: connection ${pc.connectionState}`);
  }
  const withDeadline = (promise, what) => Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), waitMs)),
  ]);
  const opened = (channel) => channel.readyState === 'open' ?
      Promise.resolve(channel) :
      new Promise(
          (resolve) => channel.addEventListener('open', () => resolve(channel), {once: true}));
  const receive = (channel, count) => new Promise((resolve) => {
    const got = [];
    channel.addEventListener('message', (e) => {
      got.push(e.data);
      if (got.length === count) resolve(got);
    });
  });

  const result = {log, candidates, iceErrors};
  try {
    const channelA = a.createDataChannel('tern');
    const channelB = new Promise((resolve) => {
      b.ondatachannel = (e) => resolve(e.channel);
    });
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    const [dcA, dcB] = await withDeadline(
        Promise.all([opened(channelA), channelB.then(opened)]), 'data channel open');
    note('data channel open');

    const toB = receive(dcB, messages);
    const toA = receive(dcA, messages);
    for (let i = 0; i < messages; i++) dcA.send(`a->b ${i}`);
    for (let i = 0; i < messages; i++) dcB.send(`b->a ${i}`);
    const [atB, atA] = await withDeadline(Promise.all([toB, toA]), 'messages both ways');
    result.received = {atA, atB};
    note('messages exchanged');

    result.pairs = {};
    for (const [name, pc] of [['a', a], ['b', b]]) {
      const stats = await pc.getStats();
      let pair = null;
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          pair = stats.get(s.selectedCandidatePairId);
        }
      });
      if (!pair) {
        stats.forEach((s) => {
          if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded')
            pair = s;
        });
      }
      const describe = (c) => c && {
        candidateType: c.candidateType,
        address: c.address,
        port: c.port,
        protocol: c.protocol,
        relayProtocol: c.relayProtocol,
        url: c.url,
      };
      result.pairs[name] = pair && {
        state: pair.state,
        nominated: pair.nominated,
        bytesSent: pair.bytesSent,
        bytesReceived: pair.bytesReceived,
        local: describe(stats.get(pair.localCandidateId)),
        remote: describe(stats.get(pair.remoteCandidateId)),
      };
    }
  } catch (err) {
    result.error = String(err);
  } finally {
    a.close();
    b.close();
  }
  return result;
}

// What must hold for the run to pass; each failed check is one line.
function check(result, transport, messages) {
  const problems = [];
  if (result.error) problems.push(`in page: ${result.error}`);
  const expect = (from, got) => {
    const want = Array.from({length: messages}, (_, i) => `${from} ${i}`);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      problems.push(`messages ${from}: got ${JSON.stringify(got)}`);
    }
  };
  if (result.received) {
    expect('a->b', result.received.atB);
    expect('b->a', result.received.atA);
  }
  for (const name of ['a', 'b']) {
    const pair = result.pairs && result.pairs[name];
    if (!pair) {
      problems.push(`${name}: no selected candidate pair`);
      continue;
    }
    for (const end of ['local', 'remote']) {
      const c = pair[end];
      if (!c || c.candidateType !== 'relay') {
        problems.push(`${name}: ${end} candidate is ${c ? c.candidateType : 'missing'}, not relay`);
      }
    }
    // relayProtocol is how the browser reached the TURN server: the transport under test.
    if (pair.local && pair.local.relayProtocol !== transport) {
      problems.push(`${name}: local relayProtocol ${pair.local.relayProtocol}, not ${transport}`);
    }
  }
  return problems;
}

// Starts ternd and the browser (recorded in `session` as soon as they exist, so the caller
// can stop them whatever happens here) and returns what the page saw.
async function connectInBrowser(args, session) {
  if (session.alternate) {
    await session.alternate.start();
    const b = `${session.alternate.ip}:${session.alternate.port}`;
    session.ternd.extraArgs.push('--alternate-server', b);
    console.log(`alternate ternd (B) on ${b}`);
  }
  await session.ternd.start();
  const url = `turn:127.0.0.1:${session.ternd.port}?transport=${args.transport}`;
  console.log(`ternd on 127.0.0.1:${session.ternd.port}; iceServers url ${url}`);
  const {chromium} = require('playwright-core');
  session.browser = await chromium.launch({executablePath: kChromium, args: kChromiumArgs});
  const page = await session.browser.newPage();
  await page.goto('about:blank');
  return page.evaluate(connectThroughRelays, {
    url,
    username: kUser,
    credential: kPassword,
    messages: args.messages,
    waitMs: Math.max(5000, args.timeoutMs - 15000),
  });
}

// "a: relay 127.0.0.1:55963 (to TURN over udp) <-> relay 127.0.0.1:55570, sent 3872 B, received
// 4954 B"
function summarizePairs(pairs) {
  if (!pairs) return 'selected candidate pairs: none';
  const end = (c) => c ? `${c.candidateType} ${c.address}:${c.port}` : 'missing';
  return [
    'selected candidate pairs:',
    ...Object.entries(pairs).map(
        ([name, p]) => !p ?
            `  ${name}: none` :
            `  ${name}: ${end(p.local)} (to TURN over ${p.local && p.local.relayProtocol}) <-> ` +
                `${end(p.remote)}, ${p.state}, sent ${p.bytesSent} B, received ${
                    p.bytesReceived} B`)
  ].join('\n');
}

// What ternd's counters must say after the run; each failed check is one line.
function checkCounters(counters, name = 'ternd') {
  if (!counters) return [`${name} logged no counters line at stop`];
  console.log(
      `${name} counters: allocations_created=${counters.allocations_created} ` +
      `auth_challenges=${counters.auth_challenges} auth_failures=${counters.auth_failures} ` +
      `peer_denied=${counters.peer_denied}`);
  const problems = [];
  // One allocation per peer connection at least (Chromium may allocate per component).
  if (!(counters.allocations_created >= 2)) {
    problems.push(`${name} allocations_created=${counters.allocations_created}, want >= 2`);
  }
  if (counters.peer_denied > 0) {
    problems.push(
        `ternd denied ${counters.peer_denied} peer(s): its own relay addresses must be allowed`);
  }
  return problems;
}

// Runs this script again inside a network namespace of its own, with lo up and
// kAlternateIp on it; its exit code is ours.
function runInOwnNamespace() {
  const probe = childProcess.spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up']);
  if (probe.error || probe.status !== 0) {
    console.log('SKIP: cannot make a network namespace with lo up (unshare -n needs root or ' +
                'CAP_SYS_ADMIN, ip needs iproute2): ' +
                `${probe.error || String(probe.stderr).trim()}`);
    return kSkip;
  }
  const setup = `ip link set lo up && ip addr add ${kAlternateIp}/32 dev lo && exec "$@"`;
  const run = childProcess.spawnSync(
      'unshare', ['-n', 'sh', '-c', setup, 'sh', process.execPath, ...process.argv.slice(1)],
      {stdio: 'inherit', env: {...process.env, [kInNamespace]: '1'}});
  if (run.error) throw run.error;
  return run.status === null ? 1 : run.status;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(kChromium)) {
    console.log(`SKIP: ${kChromium} not installed (apt-get install chromium; make test does)`);
    return kSkip;
  }
  if (args.redirect && !process.env[kInNamespace]) return runInOwnNamespace();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tern-webrtc-${args.transport}-`));
  const session = {ternd: new Ternd(path.resolve(args.ternd), dir), browser: null};
  if (args.redirect) {
    session.alternate = new Ternd(path.resolve(args.ternd), dir, 'alternate', [], kAlternateIp);
  }

  // One way out: whether the run finished, failed or ran out of time, the browser and
  // ternd are stopped below before anything is judged or printed.
  let timer = null;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({timedOut: true}), args.timeoutMs);
  });
  let outcome;
  try {
    outcome = await Promise.race(
        [connectInBrowser(args, session).then((result) => ({result})), deadline]);
  } catch (err) {
    outcome = {error: err};
  }
  clearTimeout(timer);
  if (session.browser) await Promise.race([session.browser.close().catch(() => {}), sleep(5000)]);
  const counters = await session.ternd.stop();
  const alternateCounters = session.alternate ? await session.alternate.stop() : null;

  const problems = [];
  if (outcome.timedOut) problems.push(`not done within ${args.timeoutMs} ms`);
  if (outcome.error) problems.push(String(outcome.error && outcome.error.stack || outcome.error));
  const result = outcome.result;
  if (result) {
    console.log(summarizePairs(result.pairs));
    problems.push(...check(result, args.transport, args.messages));
  }
  if (session.alternate) {
    // A only redirected; B relayed.
    if (session.alternate.child) problems.push(...checkCounters(alternateCounters, 'alternate'));
    if (counters && counters.allocations_created !== 0) {
      problems.push(`A made ${counters.allocations_created} allocations; all should be on B`);
    }
    if (counters && !(counters.allocations_redirected >= 2)) {
      problems.push(`A redirected ${counters.allocations_redirected} Allocates, want >= 2`);
    }
    const alternateExit = session.alternate.exit;
    if (alternateExit && alternateExit.code !== 0) {
      problems.push(`alternate ternd exit ${JSON.stringify(alternateExit)}`);
    }
  } else if (session.ternd.child) {
    problems.push(...checkCounters(counters));
  }
  const exit = session.ternd.exit;
  if (exit && exit.code !== 0) problems.push(`ternd exit ${JSON.stringify(exit)}`);

  if (problems.length === 0) {
    console.log(
        `PASS (${args.transport}): data channel through two ternd relays, ` +
        `${args.messages} messages each way${args.redirect ? ', redirected from A to B' : ''}`);
    fs.rmSync(dir, {recursive: true, force: true});
    return 0;
  }
  console.log(`FAIL (${args.transport}):\n  ${problems.join('\n  ')}`);
  if (result) {
    console.log(`candidates: ${JSON.stringify(result.candidates, null, 2)}`);
    console.log(`ICE errors: ${JSON.stringify(result.iceErrors, null, 2)}`);
    console.log(`page log:\n  ${result.log.join('\n  ')}`);
  }
  console.log(session.ternd.diagnostics());
  if (session.alternate) console.log(session.alternate.diagnostics());
  console.log(`kept ${dir} for the post-mortem`);
  return 1;
}

// web_console_test.js starts its ternd and Chromium the same way.
module.exports = {Ternd, kChromium, kChromiumArgs, kSkip, kUser, kPassword, kRealm, pickPort, readOr, tail, sleep};

if (require.main === module) {
  main().then((code) => process.exit(code), (err) => {
    console.log(`FAIL: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
}
