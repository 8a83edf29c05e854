'use strict';
// The timers of one connection that the core leaves to the layer owning a clock: a
// heartbeat (a ping every `pingInterval`, the connection terminated when no pong comes
// within `pongTimeout`) and an idle timeout (a close 1001 when no message arrived for
// `idleTimeout`; the close timeout then bounds the wait for the reply). All off by
// default. RFC 6455 §5.5.2: a ping may serve as a keepalive; §5.5.3: a pong answers it
// (any pong: only the latest ping is owed one).

const { performance } = require('node:perf_hooks');

/** Option names, all in milliseconds, 0 (or absent) for off. */
const NAMES = ['pingInterval', 'pongTimeout', 'idleTimeout'];

/**
 * The heartbeat and idle settings of `options`, checked, or null when every timer is off.
 * `pongTimeout` defaults to `pingInterval`.
 */
function keepAliveSettings(options) {
  for (const name of NAMES) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new RangeError(`${name} must be a number of milliseconds (0 for off)`);
    }
  }
  const pingInterval = options.pingInterval || 0;
  const idleTimeout = options.idleTimeout || 0;
  if (pingInterval === 0 && idleTimeout === 0) return null;
  return { pingInterval, pongTimeout: options.pongTimeout || pingInterval, idleTimeout };
}

/**
 * The running timers of one open connection. `ws` provides `_heartbeatPing()` (sends a
 * ping, false when it could not), `_pongMissed()` and `_idleClose()`. The timers are
 * unref'd: the socket, not a timer, keeps a process alive.
 */
class KeepAlive {
  constructor(ws, settings) {
    this._ws = ws;
    this._settings = settings;
    this._pingTimer = null;
    this._pongTimer = null;
    this._idleTimer = null;
    this._lastMessage = 0;
    if (settings.pingInterval > 0) {
      this._pingTimer = setInterval(() => this._beat(), settings.pingInterval);
      this._pingTimer.unref();
    }
    if (settings.idleTimeout > 0) {
      this._lastMessage = performance.now();
      this._armIdle(settings.idleTimeout);
    }
  }

  /** A ping is due: send one unless the last is still waiting for its pong. */
  _beat() {
    if (this._pongTimer !== null) return;
    if (!this._ws._heartbeatPing()) return;
    this._pongTimer = setTimeout(() => {
      this._pongTimer = null;
      this._ws._pongMissed();
    }, this._settings.pongTimeout);
    this._pongTimer.unref();
  }

  _armIdle(delay) {
    this._idleTimer = setTimeout(() => this._checkIdle(), delay);
    this._idleTimer.unref();
  }

  /**
   * One timer per connection instead of one reset per message: when it fires, the time
   * since the last message decides between closing and waiting the rest.
   */
  _checkIdle() {
    this._idleTimer = null;
    const rest = this._settings.idleTimeout - (performance.now() - this._lastMessage);
    if (rest > 1) this._armIdle(rest);
    else this._ws._idleClose();
  }

  /** Data arrived (a message or a piece of one). */
  message() {
    this._lastMessage = performance.now();
  }

  /** A pong arrived: the heartbeat is answered. */
  pong() {
    if (this._pongTimer !== null) {
      clearTimeout(this._pongTimer);
      this._pongTimer = null;
    }
  }

  /** Stops every timer (the connection is closing or closed). */
  stop() {
    clearInterval(this._pingTimer);
    clearTimeout(this._pongTimer);
    clearTimeout(this._idleTimer);
    this._pingTimer = null;
    this._pongTimer = null;
    this._idleTimer = null;
  }
}

module.exports = { KeepAlive, keepAliveSettings };
