// The frame inspector: decodes frames with the wsframe core (the package's browser build
// in ./pkg/, committed and refreshed by `npm run build` in bindings/wasm).
import init, { Connection, decodeHeader, encodeFrame, mask } from './pkg/index.js';

const $ = (id) => document.getElementById(id);
const tbody = $('frames').querySelector('tbody');
let rowCount = 0;

/** Hex text to bytes; spaces, commas, newlines and 0x prefixes are ignored. */
export function parseHex(text) {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error('not hexadecimal');
  if (digits.length % 2 !== 0) throw new Error('odd number of hex digits');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const describeError = (e) => (e.closeCode ? `${e.message} (close code ${e.closeCode})` : e.message);

function preview(payload, opcode, event) {
  if (event && event.type === 'close') return event.code === null ? 'close, no status code' : `close ${event.code} ${JSON.stringify(event.reason)}`;
  if (opcode === 1 || (event && event.type === 'data' && event.text)) {
    return JSON.stringify(new TextDecoder().decode(payload.subarray(0, 200)));
  }
  return payload.length === 0 ? '(empty)' : toHex(payload.subarray(0, 64)) + (payload.length > 64 ? ' …' : '');
}

function addRow(source, cells, error) {
  rowCount += 1;
  const tr = document.createElement('tr');
  tr.className = error ? 'invalid' : 'valid';
  const values = [rowCount, source, ...cells];
  const classes = ['n', 'source', 'fin', 'rsv', 'opcode', 'mask', 'length', 'form', 'payload'];
  values.forEach((v, i) => {
    const td = document.createElement('td');
    td.className = classes[i];
    td.textContent = v;
    tr.appendChild(td);
  });
  const td = document.createElement('td');
  td.className = error ? 'error' : 'ok';
  td.textContent = error || 'valid';
  tr.appendChild(td);
  tbody.appendChild(tr);
}

/**
 * Shows every frame in `bytes`, sent by `sender` ('client' or 'server'); the core checks
 * them as the receiving endpoint would, across frames (fragments, UTF-8, close payloads).
 */
export function inspect(bytes, sender, source = 'hex') {
  const receiver = sender === 'client' ? 'server' : 'client';
  const conn = new Connection(receiver, { handshakeDone: true });
  let offset = 0;
  let frames = 0;
  try {
    while (offset < bytes.length) {
      const rest = bytes.subarray(offset);
      let header;
      try {
        header = decodeHeader(rest, { role: receiver });
      } catch (e) {
        addRow(source, ['', '', '', '', '', '', toHex(rest.subarray(0, 14))], describeError(e));
        return frames;
      }
      if (!header.complete) {
        addRow(source, ['', '', '', '', '', '', toHex(rest)], `incomplete header: ${header.needed} more byte(s) needed`);
        return frames;
      }
      const cells = [
        header.fin ? '1' : '0',
        header.rsv.toString(2).padStart(3, '0'),
        `${header.opcodeName} (0x${header.opcode.toString(16)})`,
        header.masked ? toHex(header.maskKey) : 'none',
        String(header.payloadLength),
        header.lengthForm,
      ];
      const total = typeof header.payloadLength === 'bigint' ? Infinity : header.headerLength + header.payloadLength;
      const payload = rest.slice(header.headerLength, Math.min(total, rest.length));
      if (header.masked) mask(payload, header.maskKey);
      if (total > rest.length) {
        addRow(source, [...cells, preview(payload, header.opcode)], `truncated: ${payload.length} of ${header.payloadLength} payload bytes`);
        return frames;
      }
      let error = null;
      let event = null;
      try {
        conn.feed(rest.subarray(0, total));
        for (let ev = conn.read(); ev !== null; ev = conn.read()) event = ev;
      } catch (e) {
        error = describeError(e);
      }
      addRow(source, [...cells, preview(payload, header.opcode, event)], error);
      frames += 1;
      offset += total;
    }
    return frames;
  } finally {
    conn.free();
  }
}

/** Decodes the hex in the text area. */
export function inspectHex(text, sender) {
  let bytes;
  try {
    bytes = parseHex(text);
  } catch (e) {
    addRow('hex', ['', '', '', '', '', '', ''], e.message);
    return 0;
  }
  if (bytes.length === 0) return 0;
  return inspect(bytes, sender, 'hex');
}

let socket = null;

function connect() {
  if (socket !== null) {
    socket.close(1000);
    return;
  }
  socket = new WebSocket($('url').value);
  socket.binaryType = 'arraybuffer';
  $('status').textContent = 'connecting';
  socket.onopen = () => {
    $('status').textContent = 'open';
    $('send').disabled = false;
    $('connect').textContent = 'Disconnect';
  };
  socket.onmessage = (e) => {
    const text = typeof e.data === 'string';
    const payload = text ? e.data : new Uint8Array(e.data);
    inspect(encodeFrame({ opcode: text ? 'text' : 'binary', payload }), 'server', 'received');
  };
  socket.onclose = (e) => {
    $('status').textContent = `closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
    $('send').disabled = true;
    $('connect').textContent = 'Connect';
    socket = null;
  };
  socket.onerror = () => {
    $('status').textContent = 'error';
  };
}

function send() {
  const text = $('message').value;
  socket.send(text);
  const key = new Uint8Array(4);
  crypto.getRandomValues(key);
  inspect(encodeFrame({ opcode: 'text', payload: text, maskKey: key }), 'client', 'sent');
}

await init();
$('url').value = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host || '127.0.0.1:9001'}/`;
$('decode').onclick = () => inspectHex($('hex').value, $('role').value);
$('example').onclick = () => {
  $('hex').value = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
  $('role').value = 'client';
  inspectHex($('hex').value, 'client');
};
$('clear').onclick = () => {
  tbody.textContent = '';
  rowCount = 0;
};
$('connect').onclick = connect;
$('send').onclick = send;
document.body.dataset.ready = 'true';
