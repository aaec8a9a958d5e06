// The ICE test: gathers candidates with the given servers and lists each as it arrives,
// then makes a relay-only call between two RTCPeerConnections in this page through them:
// data-channel round trips, optionally a few seconds of canvas "camera" video, and the
// selected candidate pair. The credential can be minted by ternd (POST /v1/ice-credential),
// so its secret never reaches the page.

import {api, element} from './api.js';

const kGatherMs = 10000;
const kConnectMs = 15000;
const kPings = 10;
const kVideoMs = 3000;

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

function opened(channel) {
  if (channel.readyState === 'open') return Promise.resolve(channel);
  return new Promise((resolve) => channel.addEventListener('open', () => resolve(channel), {once: true}));
}

// A moving picture: a camera needs no permission prompt this way.
function fakeCamera() {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const context = canvas.getContext('2d');
  let frame = 0;
  const timer = setInterval(() => {
    context.fillStyle = `hsl(${(frame * 7) % 360} 70% 50%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = '#fff';
    context.fillRect((frame * 5) % canvas.width, 100, 40, 40);
    frame++;
  }, 33);
  const stream = canvas.captureStream(30);
  return {stream, stop: () => {
    clearInterval(timer);
    stream.getTracks().forEach((t) => t.stop());
  }};
}

// How a relay candidate reaches its TURN server, from the server's URL (RFC 7065: turns:
// is TLS, else ?transport=, UDP by default), for browsers whose RTCIceCandidate has no
// relayProtocol (Chromium's gathering events: only getStats() has it).
function relayProtocolOf(url) {
  const match = /^(turns?):[^?]*(?:\?transport=(udp|tcp))?$/i.exec(url ?? '');
  if (!match) return null;
  if (match[1].toLowerCase() === 'turns') return 'tls';
  return (match[2] ?? 'udp').toLowerCase();
}

function describeCandidate(c) {
  return c && {type: c.candidateType, protocol: c.protocol, address: c.address, port: c.port,
    relayProtocol: c.relayProtocol, url: c.url};
}

async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) {
    stats.forEach((s) => {
      if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
    });
  }
  return pair && {
    local: describeCandidate(stats.get(pair.localCandidateId)),
    remote: describeCandidate(stats.get(pair.remoteCandidateId)),
    currentRoundTripTime: pair.currentRoundTripTime,
  };
}

export class IceTest {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('#ice-form');
    this.candidates = root.querySelector('[data-test="ice-candidates"] tbody');
    this.result = root.querySelector('#ice-result');
    this.json = root.querySelector('#ice-json');
    this.copy = root.querySelector('#ice-copy');
    this.report = null;
    this.running = false;
    root.querySelector('#ice-mint').addEventListener('click', () => this.mint());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.running) this.run();
    });
    this.copy.addEventListener('click', () => this.copyReport());
  }

  show(onError) { this.onError = onError; }
  hide() {}

  say(text) { this.result.textContent = text; }

  async mint() {
    try {
      const minted = await api('POST', '/v1/ice-credential');
      const field = (name) => this.form.elements.namedItem(name);
      if (!field('urls').value.trim()) field('urls').value = minted.urls.join('\n');
      field('username').value = minted.username;
      field('credential').value = minted.credential;
      this.say(`minted a credential valid for ${minted.ttl} s`);
    } catch (error) {
      if (!this.onError(error)) this.say(`cannot mint: ${error.message}`);
    }
  }

  iceServers() {
    const data = new FormData(this.form);
    const urls = data.get('urls').split(/[\s,]+/).filter(Boolean);
    if (urls.length === 0) throw new Error('give at least one turn:, turns: or stun: URL');
    const server = {urls};
    if (data.get('username')) server.username = data.get('username');
    if (data.get('credential')) server.credential = data.get('credential');
    return [server];
  }

  async run() {
    this.running = true;
    this.copy.disabled = true;
    this.json.hidden = true;
    this.candidates.replaceChildren();
    const report = {started: new Date().toISOString(), candidates: [], iceErrors: []};
    this.report = report;
    try {
      const iceServers = this.iceServers();
      report.urls = iceServers[0].urls;
      this.say('gathering candidates…');
      await this.gather(iceServers, report);
      this.say('relay-only call…');
      await this.call(iceServers, report, new FormData(this.form).get('video') === 'on');
      report.ok = true;
    } catch (error) {
      report.ok = false;
      report.error = error.message;
    }
    this.say(this.summary(report));
    this.json.value = JSON.stringify(report, null, 2);
    this.copy.disabled = false;
    this.running = false;
  }

  // Every candidate type (host, srflx, relay), listed as the browser finds them.
  async gather(iceServers, report) {
    const pc = new RTCPeerConnection({iceServers});
    const start = performance.now();
    try {
      pc.createDataChannel('gather');
      pc.onicecandidateerror = (e) =>
          report.iceErrors.push(`${e.url}: ${e.errorCode} ${e.errorText}`);
      const done = new Promise((resolve) => {
        pc.onicecandidate = (e) => {
          if (!e.candidate) return resolve();
          this.addCandidate(report, e.candidate, Math.round(performance.now() - start));
        };
      });
      await pc.setLocalDescription(await pc.createOffer());
      await withDeadline(done, kGatherMs, 'gathering').catch((error) => report.iceErrors.push(error.message));
    } finally {
      pc.close();
    }
  }

  addCandidate(report, c, ms) {
    const entry = {ms, type: c.type, protocol: c.protocol, address: c.address, port: c.port,
      relayProtocol: c.relayProtocol ?? (c.type === 'relay' ? relayProtocolOf(c.url) : null),
      url: c.url ?? null};
    report.candidates.push(entry);
    const address = entry.address ? `${entry.address}:${entry.port}` : '(hidden)';
    const row = element('tr', undefined, {'data-type': entry.type ?? 'unknown'});
    for (const text of [ms, entry.type, entry.protocol, address, entry.relayProtocol ?? '', entry.url ?? '']) {
      row.append(element('td', text));
    }
    this.candidates.append(row);
  }

  async call(iceServers, report, withVideo) {
    const config = {iceServers, iceTransportPolicy: 'relay'};
    const a = new RTCPeerConnection(config);
    const b = new RTCPeerConnection(config);
    let camera = null;
    try {
      for (const [from, to] of [[a, b], [b, a]]) {
        from.onicecandidate = (e) => e.candidate && to.addIceCandidate(e.candidate).catch(() => {});
      }
      const channel = a.createDataChannel('ping');
      const remote = new Promise((resolve) => { b.ondatachannel = (e) => resolve(e.channel); });
      let video = null;
      if (withVideo) {
        camera = fakeCamera();
        camera.stream.getTracks().forEach((t) => a.addTrack(t, camera.stream));
        video = new Promise((resolve) => { b.ontrack = (e) => resolve(e.track); });
      }
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription);
      const [dcA, dcB] = await withDeadline(Promise.all([opened(channel), remote.then(opened)]),
                                            kConnectMs, 'the relay-only data channel to open');
      dcB.onmessage = (e) => dcB.send(e.data);  // b echoes
      report.rttMs = await this.ping(dcA);
      if (video) report.video = await this.watch(b, video);
      report.selectedPair = await selectedPair(a);
    } finally {
      camera?.stop();
      a.close();
      b.close();
    }
  }

  async ping(channel) {
    const rtts = [];
    for (let i = 0; i < kPings; i++) {
      const sent = performance.now();
      const echoed = new Promise((resolve) => channel.addEventListener('message', resolve, {once: true}));
      channel.send(`ping ${i}`);
      await withDeadline(echoed, 5000, `ping ${i}`);
      rtts.push(Math.round((performance.now() - sent) * 10) / 10);
    }
    const sorted = [...rtts].sort((x, y) => x - y);
    return {samples: rtts, min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1)};
  }

  async watch(pc, track) {
    await withDeadline(track, kConnectMs, 'the video track');
    await new Promise((resolve) => setTimeout(resolve, kVideoMs));
    let video = {framesDecoded: 0, packetsLost: 0, packetsReceived: 0};
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        video = {framesDecoded: s.framesDecoded ?? 0, packetsLost: s.packetsLost ?? 0,
          packetsReceived: s.packetsReceived ?? 0};
      }
    });
    return video;
  }

  summary(r) {
    const counts = {};
    for (const c of r.candidates) counts[c.type] = (counts[c.type] ?? 0) + 1;
    const lines = [`candidates: ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}`];
    if (r.iceErrors.length) lines.push(`ICE errors: ${r.iceErrors.join('; ')}`);
    if (!r.ok) {
      lines.push(`relay-only call: FAILED: ${r.error}`);
      return lines.join('\n');
    }
    const end = (c) => c ? `${c.type} ${c.address}:${c.port} (${c.protocol}${c.relayProtocol ? `, to TURN over ${c.relayProtocol}` : ''})` : 'unknown';
    lines.push('relay-only call: ok');
    if (r.selectedPair) lines.push(`selected pair: ${end(r.selectedPair.local)} <-> ${end(r.selectedPair.remote)}`);
    lines.push(`data channel RTT: median ${r.rttMs.median} ms (min ${r.rttMs.min}, max ${r.rttMs.max})`);
    if (r.video) {
      lines.push(`video: ${r.video.framesDecoded} frames decoded, ${r.video.packetsLost} packets lost`);
    }
    return lines.join('\n');
  }

  async copyReport() {
    const text = JSON.stringify(this.report, null, 2);
    try {
      await navigator.clipboard.writeText(text);
      this.say(`${this.result.textContent}\n(copied as JSON)`);
    } catch {
      // No clipboard (a plain-http origin other than localhost): select it for the user.
      this.json.hidden = false;
      this.json.select();
    }
  }
}
