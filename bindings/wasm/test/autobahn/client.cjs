'use strict';
// The Autobahn client testee (tests/autobahn/README.md, "Client testee convention").
//   node client.cjs URL AGENT
const { WebSocket } = require('../../dist/node/index.cjs');

const url = process.argv[2] || process.env.AUTOBAHN_URL;
const agent = process.argv[3] || process.env.AUTOBAHN_AGENT;

function open(path, onMessage) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}${path}`, { maxPayload: 64 * 1024 * 1024 });
    // Bounded: Autobahn gives a case 480 s; the slowest (12.2.15, 13.x.15) move 128 MiB in
    // 256-byte compressed frames.
    const timer = setTimeout(() => ws.terminate(), 400000);
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('error', (err) => console.log(`${path}: ${err.name}: ${err.message}`));
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function main() {
  let count = 0;
  await open('/getCaseCount', (ws, data) => {
    count = Number(data.toString());
  });
  console.log(`${count} cases`);
  for (let i = 1; i <= count; i++) {
    await open(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, (ws, data, isBinary) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: isBinary });
    });
  }
  await open(`/updateReports?agent=${encodeURIComponent(agent)}`, () => {});
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
