// permessage-deflate benchmark, the npm `ws` side (run by deflate-bench.sh).
//
//   node deflate-bench.mjs corpus FILE      writes the JSON-like message corpus
//   node deflate-bench.mjs ws FILE PASSES   compresses and inflates it with ws's
//                                           PerMessageDeflate; prints JSON results
//
// The corpus file is a sequence of messages, each a 4-byte little-endian length and the
// bytes. Both sides read the same file. ws compresses every message (threshold 0) at
// zlib's default level with 15-bit windows, as wsframe-deflate does by default.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { PerMessageDeflate } from 'ws';

/** A small deterministic PRNG (mulberry32), so the corpus is the same on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('the quick brown fox jumps over lazy dog lorem ipsum dolor sit amet server client ' +
  'message deploy build release ticket merge review ok thanks see you tomorrow café naïve ' +
  'Zürich €uro 😀 日本語').split(' ');

/** The corpus: chat messages, trade ticks, presence updates, state snapshots. */
function corpus() {
  const rand = prng(7692);
  const int = (n) => Math.floor(rand() * n);
  const pick = (list) => list[int(list.length)];
  const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const user = () => ({ id: 1000 + int(500), name: `user${int(500)}`, avatar: `https://cdn.example.com/a/${int(1e6)}.png` });
  const messages = [];
  let ts = 1760000000000;
  for (let i = 0; i < 6000; i++) {
    ts += int(2000);
    const kind = i % 20;
    let msg;
    if (kind < 10) {
      msg = { type: 'message', id: `m${i}`, room: pick(['general', 'random', 'dev', 'ops']), user: user(), text: sentence(3 + int(40)), ts };
    } else if (kind < 16) {
      msg = { e: 'trade', E: ts, s: pick(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']), t: 4e8 + i, p: (60000 + rand() * 1000).toFixed(2), q: rand().toFixed(5), m: rand() < 0.5 };
    } else if (kind < 19) {
      msg = { type: 'presence', users: Array.from({ length: 5 + int(30) }, () => ({ ...user(), status: pick(['online', 'away', 'busy']) })), ts };
    } else {
      msg = {
        type: 'snapshot',
        ts,
        rows: Array.from({ length: 20 + int(100) }, (_, r) => ({ id: r, title: sentence(2 + int(6)), done: rand() < 0.3, owner: user(), tags: [pick(WORDS), pick(WORDS)], estimate: int(100) })),
      };
    }
    messages.push(Buffer.from(JSON.stringify(msg)));
  }
  return messages;
}

function writeCorpus(file) {
  const parts = [];
  for (const m of corpus()) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(m.length);
    parts.push(len, m);
  }
  writeFileSync(file, Buffer.concat(parts));
}

function readCorpus(file) {
  const buf = readFileSync(file);
  const messages = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const len = buf.readUInt32LE(at);
    messages.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return messages;
}

function pair(contextTakeover) {
  const options = { threshold: 0, serverNoContextTakeover: !contextTakeover, clientNoContextTakeover: !contextTakeover };
  const server = new PerMessageDeflate({ ...options, isServer: true, maxPayload: 0 });
  const client = new PerMessageDeflate({ ...options, isServer: false, maxPayload: 0 });
  const offer = client.offer();
  // The parsed offer as ws hands it over: every value in an array.
  const accepted = server.accept([Object.fromEntries(Object.entries(offer).map(([k, v]) => [k, [v]]))]);
  client.accept([Object.fromEntries(Object.entries(accepted).map(([k, v]) => [k, [v]]))]);
  return { server, client };
}

const compress = (pmd, data) =>
  new Promise((resolve, reject) => pmd.compress(data, true, (err, out) => (err ? reject(err) : resolve(out))));
const decompress = (pmd, data) =>
  new Promise((resolve, reject) => pmd.decompress(data, true, (err, out) => (err ? reject(err) : resolve(out))));

/** One connection's worth: the server compresses every message, the client inflates it. */
async function pass(messages, contextTakeover) {
  const { server, client } = pair(contextTakeover);
  const wire = [];
  // CPU time of the whole process: zlib runs on libuv's thread pool.
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e3;
  };
  let t0 = performance.now();
  let c0 = cpuMs();
  for (const m of messages) wire.push(await compress(server, m));
  const compressMs = performance.now() - t0;
  const compressCpuMs = cpuMs() - c0;
  t0 = performance.now();
  c0 = cpuMs();
  for (let i = 0; i < wire.length; i++) {
    const out = await decompress(client, wire[i]);
    if (i % 97 === 0 && !out.equals(messages[i])) throw new Error(`message ${i} did not round-trip`);
  }
  const decompressMs = performance.now() - t0;
  const decompressCpuMs = cpuMs() - c0;
  server.cleanup();
  client.cleanup();
  return { compressed: wire.reduce((n, w) => n + w.length, 0), compressMs, decompressMs, compressCpuMs, decompressCpuMs };
}

async function bench(file, passes) {
  const messages = readCorpus(file);
  const raw = messages.reduce((n, m) => n + m.length, 0);
  const results = [];
  for (const contextTakeover of [true, false]) {
    const runs = [];
    for (let i = 0; i < passes; i++) runs.push(await pass(messages, contextTakeover));
    // The fastest pass: the one least disturbed by other work on the machine.
    const best = (key) => Math.min(...runs.map((r) => r[key]));
    results.push({
      impl: `ws ${JSON.parse(readFileSync(new URL('./node_modules/ws/package.json', import.meta.url))).version} (node ${process.versions.node}, zlib ${process.versions.zlib})`,
      context_takeover: contextTakeover,
      messages: messages.length,
      raw_bytes: raw,
      compressed_bytes: runs[0].compressed,
      compress_ms: best('compressMs'),
      decompress_ms: best('decompressMs'),
      compress_cpu_ms: best('compressCpuMs'),
      decompress_cpu_ms: best('decompressCpuMs'),
    });
  }
  console.log(JSON.stringify(results));
}

const [mode, file, passes] = process.argv.slice(2);
if (mode === 'corpus' && file) writeCorpus(file);
else if (mode === 'ws' && file) await bench(file, Math.max(1, Math.min(50, Number(passes) || 5)));
else {
  console.error('usage: deflate-bench.mjs corpus FILE | ws FILE [PASSES]');
  process.exit(2);
}
