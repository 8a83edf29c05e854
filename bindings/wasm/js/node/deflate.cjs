'use strict';
// permessage-deflate (RFC 7692) options, named as in npm `ws`. Negotiation, compression,
// inflation (with the maxPayload limit) and the UTF-8 check of inflated text happen in
// a second wasm module (wsframe-deflate with zlib-rs), loaded on first use.

let module_ = null;
function deflateModule() {
  if (module_ === null) module_ = require('./deflate/wsframe_deflate.js');
  return module_;
}

/** ws's default: messages under 1 KiB are not compressed. */
const DEFAULT_THRESHOLD = 1024;

function windowBits(value, name) {
  if (value === undefined || value === true) return 15;
  if (!Number.isInteger(value) || value < 8 || value > 15) throw new RangeError(`perMessageDeflate.${name} must be an integer from 8 to 15`);
  return value;
}

/**
 * Settings for the `perMessageDeflate` option (`true`, `false` or an object with
 * serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits,
 * clientMaxWindowBits, threshold, zlibDeflateOptions.level), or null when it is off.
 */
function deflateSettings(option) {
  if (option === undefined || option === null || option === false) return null;
  const o = option === true ? {} : option;
  if (typeof o !== 'object') throw new TypeError('perMessageDeflate must be a boolean or an object');
  const level = o.zlibDeflateOptions && o.zlibDeflateOptions.level !== undefined ? o.zlibDeflateOptions.level : 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError('perMessageDeflate.zlibDeflateOptions.level must be 0 to 9');
  const threshold = o.threshold === undefined ? DEFAULT_THRESHOLD : o.threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0)) throw new RangeError('perMessageDeflate.threshold must be a number >= 0');
  return new (deflateModule().Settings)(
    o.serverNoContextTakeover === true,
    o.clientNoContextTakeover === true,
    windowBits(o.serverMaxWindowBits, 'serverMaxWindowBits'),
    windowBits(o.clientMaxWindowBits, 'clientMaxWindowBits'),
    level,
    Math.min(threshold, Number.MAX_SAFE_INTEGER),
  );
}

/** Server: the compression state for the request's offers, or null when declined. */
function serverDeflater(offers, settings, maxPayload) {
  if (settings === null || typeof offers !== 'string' || offers === '') return null;
  return deflateModule().Deflater.server(offers, settings, maxPayload) || null;
}

/**
 * Client: the compression state for the server's answer, or null when it declined;
 * throws an Error when the answer does not honour the offer.
 */
function clientDeflater(accepted, settings, maxPayload) {
  if (settings === null) return null;
  try {
    return deflateModule().Deflater.client(accepted, settings, maxPayload) || null;
  } catch (e) {
    throw new Error(typeof e === 'string' ? e : String(e && e.message));
  }
}

module.exports = { deflateSettings, serverDeflater, clientDeflater };
