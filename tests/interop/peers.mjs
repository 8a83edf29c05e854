// Our binaries for the Node and Chromium interop tests: where they are, and starting
// the echo server on a free 127.0.0.1 port.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const RELEASE = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'release');

export const ECHO_SERVER = process.env.ECHO_SERVER || path.join(RELEASE, 'echo-server');
export const INTEROP_CLIENT =
  process.env.INTEROP_CLIENT || path.join(RELEASE, 'examples', 'interop_client');

for (const bin of [ECHO_SERVER, INTEROP_CLIENT]) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build the release binaries first`);
}

/**
 * Starts echo-server; resolves to { url, httpBase, stop() } where stop() resolves to the
 * exit status. With `deflate` it accepts permessage-deflate, else it declines it.
 */
export function startEchoServer({ staticDir = path.join(HERE, 'page'), deflate = false } = {}) {
  const args = ['--listen', '127.0.0.1:0', '--quiet', '--static', staticDir];
  args.push(deflate ? '--deflate' : '--no-deflate');
  const child = spawn(ECHO_SERVER, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    const status = await exited;
    clearTimeout(timer);
    return status;
  };
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`echo-server did not start: ${seen}`));
    }, 15000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = /listening on (ws:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], httpBase: m[1].replace('ws://', 'http://').replace(/\/$/, ''), stop });
      }
    });
    exited.then((status) => reject(new Error(`echo-server exited (${status}): ${seen}`)));
  });
}

/**
 * Runs the Rust interop client against `url` (offering permessage-deflate with
 * `deflate`); resolves to { status, output }.
 */
export function runInteropClient(url, { deflate = false, timeoutMs = 60000 } = {}) {
  return new Promise((resolve) => {
    const args = deflate ? ['--deflate', url] : [url];
    const child = spawn(INTEROP_CLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? signal, output });
    });
  });
}

/** Multi-byte text (1- to 4-byte characters) of at most n UTF-8 bytes. */
export function utf8Text(n) {
  const chars = ['a', 'é', '€', '😀'];
  let out = '';
  let size = 0;
  for (let i = 0; ; i++) {
    const c = chars[i % 4];
    const len = Buffer.byteLength(c);
    if (size + len > n) return out;
    out += c;
    size += len;
  }
}

export const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];
