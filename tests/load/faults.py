#!/usr/bin/env python3
"""Load and fault tests for a WebSocket echo server (python3, stdlib only).

    faults.py [options] -- SERVER_COMMAND ... {port} ...

Starts the server command (`{port}` is replaced by a free port on 127.0.0.1), runs the
well-behaved probe client (probe.py) in its own process for the whole run, then the
cases below one after another, each bounded in count and time, sampling the server's
resident memory (VmRSS) throughout. docs/load-and-faults.md describes the cases, the
options and the figures. Exits 0 when every check passes; prints a table row either way.

Cases: idle flood, slowloris, slow readers, abrupt peers (resets mid-handshake,
mid-frame and mid-close), ping flood, unanswered close, and with --ping-interval /
--idle-timeout the heartbeat cases (silent peers, idle peers, unanswered idle close).
"""
import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import wsclient  # noqa: E402

SCALES = {
    # peers or messages per case (unread_mib: MiB of pings sent without reading the pongs)
    "ci": dict(idle=300, slowloris=200, readers=20, abrupt=30, pings=2000, unread_mib=4, closes=20, beats=10),
    # Firmware images: a handful of sockets behind QEMU's user network (`--max-connections`
    # caps every case at the image's socket count anyway).
    "firmware": dict(idle=12, slowloris=6, readers=2, abrupt=6, pings=500, unread_mib=1, closes=2, beats=2),
    "full": dict(idle=10_000, slowloris=1000, readers=100, abrupt=200, pings=10_000, unread_mib=32, closes=100,
                 beats=50),
}
CASES = ["idle", "slowloris", "readers", "abrupt", "pings", "unread", "close", "heartbeat"]
STEP = 5.0  # timeout of one network step of a client; far above any healthy answer
CONNECT_BATCH = 200  # connections being opened at once


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="server")
    p.add_argument("--scale", choices=SCALES, default="ci")
    p.add_argument("--idle", type=int, help="connections of the idle flood (default: the scale's)")
    p.add_argument("--max-connections", type=int, help="the server's documented maximum")
    p.add_argument("--handshake-timeout", type=float, default=10.0, help="the server's, in seconds")
    p.add_argument("--drop-slack", type=float, default=10.0, help="seconds a timer may fire late")
    p.add_argument("--close-within", type=float, default=10.0,
                   help="seconds a server may take to drop a peer that never answers its close")
    p.add_argument("--ping-interval", type=float, help="the server's heartbeat interval (seconds)")
    p.add_argument("--pong-timeout", type=float, help="the server's pong deadline (seconds)")
    p.add_argument("--idle-timeout", type=float, help="the server's idle timeout (seconds)")
    p.add_argument("--close-timeout", type=float, help="the server's close timeout (seconds)")
    p.add_argument("--rss-per-conn-kib", type=float, default=8192,
                   help="bound on RSS growth per slow reader (generous)")
    p.add_argument("--rss-unread-kib", type=float,
                   help="bound on RSS growth of the unread-pings case (default: --rss-per-conn-kib); "
                        "a runtime whose heap grows by a fixed amount under any load needs more")
    p.add_argument("--rss-after-mib", type=float, default=64,
                   help="bound on RSS after the run above RSS before (generous)")
    p.add_argument("--cases", default=",".join(CASES),
                   help="comma-separated cases to run (default: all): " + ",".join(CASES))
    p.add_argument("--json", help="append the figures as a JSON line to this file")
    p.add_argument("--refuses-by-reset", action="store_true",
                   help="past its slots the server resets or closes a connection instead of answering 503 "
                        "(a firmware image has no socket listening then): the cases retry it as a 503")
    p.add_argument("--ready-handshake", action="store_true",
                   help="the server is up once it completes a WebSocket handshake, not once its port "
                        "accepts (QEMU's port forward accepts before the guest listens)")
    p.add_argument("command", nargs="+")
    return p.parse_args()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Run:
    def __init__(self, args):
        self.args = args
        self.scale = SCALES[args.scale]
        self.checks = []  # (ok, text)
        self.figures = {}
        self.rss_max = 0
        self.phases = []  # (name, start, end)
        self.timeouts_fired = 0

    def cap(self, n):
        """At most what the server holds at once, less the probe's and a spare slot."""
        m = self.args.max_connections
        return n if not m else max(1, min(n, m - 2))

    async def handshake(self, path):
        """An open WebSocket; a 503 (slots not freed yet after the last case) is retried,
        and so is a reset with --refuses-by-reset."""
        deadline = time.monotonic() + 3 * STEP
        while True:
            try:
                return await wsclient.handshake(self.args.port, STEP, path)
            except ValueError as e:
                if "503" not in str(e) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not self.args.refuses_by_reset or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    def check(self, ok, text):
        self.checks.append((bool(ok), text))
        print(f"  [{'ok' if ok else 'FAIL'}] {text}", flush=True)

    def alive(self):
        return self.server.poll() is None

    async def sample_rss(self):
        while True:
            self.rss_max = max(self.rss_max, rss_kib(self.server.pid))
            await asyncio.sleep(0.1)

    async def phase(self, name, coro):
        print(f"== {name}", flush=True)
        start = time.monotonic()
        self.rss_max = rss_kib(self.server.pid)
        try:
            await asyncio.wait_for(coro, 240)
        except asyncio.TimeoutError:
            self.check(False, f"{name}: did not finish within 240 s")
        end = time.monotonic()
        self.phases.append((name, start, end))
        self.figures.setdefault("rss_during_kib", {})[name] = self.rss_max
        self.check(self.alive(), f"{name}: server still running")

    # ---- cases --------------------------------------------------------------------

    async def idle_flood(self):
        a = self.args
        n = a.idle or self.scale["idle"]
        if a.max_connections:
            n = min(n, a.max_connections + max(20, a.max_connections // 10))
        gate = asyncio.Semaphore(CONNECT_BATCH)
        held, outcomes = [], {}

        async def one(i):
            async with gate:
                try:
                    reader, writer = await wsclient.open_raw(a.port, STEP * 2)
                except (OSError, asyncio.TimeoutError) as e:
                    return ("connect-failed", type(e).__name__)
                req, key = wsclient.request(f"/idle{i}")
                writer.write(req)
                try:
                    head = await wsclient.read_head(reader, STEP * 2)
                except asyncio.TimeoutError:
                    writer.transport.abort()
                    return ("no-answer", None)
                except (asyncio.IncompleteReadError, ConnectionError):
                    writer.transport.abort()
                    return ("closed", None)
                if head.startswith(b"HTTP/1.1 503"):
                    writer.transport.abort()
                    return ("503", None)
                try:
                    wsclient.check_response(head, key)
                except ValueError as e:
                    writer.transport.abort()
                    return ("bad-answer", str(e))
                held.append((reader, writer))
                return ("held", None)

        results = await asyncio.gather(*(one(i) for i in range(n)))
        for kind, _ in results:
            outcomes[kind] = outcomes.get(kind, 0) + 1
        await asyncio.sleep(1.0)
        # The held ones are really open: a sample answers a ping.
        sample = held[:: max(1, len(held) // 20)]
        answered = 0
        for reader, writer in sample:
            try:
                writer.write(wsclient.frame(9, b"idle?"))
                for _ in range(10):  # the server's own heartbeat pings may come first
                    _, opcode, payload = await wsclient.read_frame(reader, STEP)
                    if opcode == 9:
                        writer.write(wsclient.frame(10, payload))
                        continue
                    answered += opcode == 10 and payload == b"idle?"
                    break
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                pass
        self.figures["idle_opened"] = n
        self.figures["idle_held"] = len(held)
        self.figures["idle_outcomes"] = outcomes
        print(f"  outcomes: {outcomes}")
        self.check(answered == len(sample), f"idle flood: {answered}/{len(sample)} sampled held connections answer a ping")
        bad = {k: v for k, v in outcomes.items() if k not in ("held", "503", "closed")}
        self.check(not bad, f"idle flood: every connection held or refused cleanly (503 or close): {outcomes}")
        if a.max_connections:
            # The probe holds one slot.
            self.check(a.max_connections - 1 - 5 <= len(held) <= a.max_connections,
                       f"idle flood: {len(held)} held, the documented maximum is {a.max_connections}")
        else:
            self.check(len(held) == n, f"idle flood: {len(held)}/{n} held")
        # Half leave with a closing handshake, half just go.
        for i, (reader, writer) in enumerate(held):
            if i % 2 == 0:
                writer.write(wsclient.frame(8, struct.pack("!H", 1000)))
            else:
                writer.transport.abort()
        await asyncio.sleep(1.0)
        for reader, writer in held:
            writer.transport.abort()

    async def slowloris(self):
        a = self.args
        n = self.scale["slowloris"]
        gate = asyncio.Semaphore(CONNECT_BATCH)
        limit = a.handshake_timeout + a.drop_slack
        interval = 0.5
        req, _ = wsclient.request("/slow", extra=b"X-Pad: " + b"a" * 4000 + b"\r\n")
        req = req[:-2]  # never the final blank line
        drops = []

        def dropped(started):
            took = time.monotonic() - started
            if took < min(1.0, a.handshake_timeout / 2):
                return "closed at once"  # refused at the connection limit without a 503
            drops.append(took)
            return "dropped"

        async def one():
            async with gate:
                try:
                    reader, writer = await wsclient.open_raw(a.port, STEP * 2)
                except (OSError, asyncio.TimeoutError):
                    return "connect-failed"
            started = time.monotonic()
            try:
                for i in range(len(req)):
                    if time.monotonic() - started > limit:
                        return "still-open"
                    writer.write(req[i : i + 1])
                    try:
                        got = await asyncio.wait_for(reader.read(4096), interval)
                    except asyncio.TimeoutError:
                        continue
                    # Dropped (EOF) or answered (e.g. 408/503) and then dropped.
                    if got.startswith(b"HTTP/1.1 503"):
                        return "503"
                    return dropped(started)
                return "request-ran-out"
            except (ConnectionError, OSError):
                return dropped(started)
            finally:
                writer.transport.abort()

        results = await asyncio.gather(*(one() for _ in range(n)))
        outcomes = {}
        for r in results:
            outcomes[r] = outcomes.get(r, 0) + 1
        print(f"  outcomes: {outcomes}; dropped after {min(drops, default=0):.1f}..{max(drops, default=0):.1f} s")
        self.figures["slowloris"] = outcomes
        self.figures["slowloris_drop_max_s"] = round(max(drops, default=0), 1)
        self.timeouts_fired += outcomes.get("dropped", 0)
        self.check(set(outcomes) <= {"dropped", "503", "closed at once"},
                   f"slowloris: every trickling request dropped within {limit:.0f} s (or refused with 503)")

    async def slow_readers(self):
        a = self.args
        n = self.cap(self.scale["readers"])
        size = 256 * 1024
        budget = 16 * 1024 * 1024  # per client
        before = rss_kib(self.server.pid)
        conns = []
        for i in range(n):
            try:
                conns.append(await self.handshake(f"/reader{i}"))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                self.check(False, f"slow readers: handshake {i} failed: {e!r}")
                return
        message = wsclient.frame(2, os.urandom(size))
        pushed = [0] * n

        async def push(i):
            _, writer = conns[i]
            while pushed[i] < budget:
                writer.write(message)
                try:
                    await asyncio.wait_for(writer.drain(), 2.0)
                except asyncio.TimeoutError:
                    return  # the server stopped reading: backpressure
                except (ConnectionError, OSError):
                    return
                pushed[i] += size

        await asyncio.gather(*(push(i) for i in range(n)))
        await asyncio.sleep(1.0)
        during = rss_kib(self.server.pid)
        per_conn = max(0, max(during, self.rss_max) - before) / n
        self.figures["slow_reader_pushed_mib"] = round(sum(pushed) / n / (1 << 20), 1)
        self.figures["slow_reader_rss_per_conn_kib"] = round(per_conn)
        print(f"  each client pushed {sum(pushed) / n / (1 << 20):.1f} MiB on average before the server "
              f"stopped reading; RSS growth {per_conn:.0f} KiB per connection")
        self.check(per_conn <= a.rss_per_conn_kib,
                   f"slow readers: RSS growth {per_conn:.0f} KiB per connection <= {a.rss_per_conn_kib:.0f} KiB")
        for _, writer in conns:
            wsclient.reset(writer)

    async def abrupt(self):
        a = self.args
        k = self.scale["abrupt"]
        failures = []

        async def mid_handshake(i):
            reader, writer = await wsclient.open_raw(a.port, STEP)
            req, _ = wsclient.request(f"/abrupt{i}")
            writer.write(req[: len(req) // 2])
            await writer.drain()
            await asyncio.sleep(0.05)
            wsclient.reset(writer)

        async def mid_frame(i):
            reader, writer = await self.handshake(f"/abrupt{i}")
            whole = wsclient.frame(2, os.urandom(65536))
            writer.write(whole[: 14 + 1000])
            await writer.drain()
            await asyncio.sleep(0.05)
            wsclient.reset(writer)

        async def mid_close(i):
            reader, writer = await self.handshake(f"/abrupt{i}")
            writer.write(wsclient.frame(2, b"x" * 100) + wsclient.frame(8, struct.pack("!H", 1000)))
            await writer.drain()
            wsclient.reset(writer)

        batch = self.cap(k)
        for kind in (mid_handshake, mid_frame, mid_close):
            results = []
            for first in range(0, k, batch):
                results += await asyncio.gather(*(kind(i) for i in range(first, min(k, first + batch))),
                                                return_exceptions=True)
                await asyncio.sleep(0.2)  # the server notices the resets
            errs = [r for r in results if isinstance(r, BaseException)]
            if errs:
                failures.append(f"{kind.__name__}: {len(errs)} failed ({errs[0]!r})")
        self.check(not failures, f"abrupt peers: {3 * k} resets mid-handshake, mid-frame, mid-close {failures or ''}")

    async def ping_flood(self):
        a = self.args
        p = self.scale["pings"]
        reader, writer = await self.handshake("/pings")
        last = struct.pack("!Q", p - 1)
        pongs, last_pong = 0, None

        async def send():
            for i in range(p):
                writer.write(wsclient.frame(9, struct.pack("!Q", i)))
                if i % 100 == 99:
                    await asyncio.wait_for(writer.drain(), 30)
            writer.write(wsclient.frame(1, b"after the flood"))
            await asyncio.wait_for(writer.drain(), 30)

        sender = asyncio.create_task(send())
        echoed = None
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                _, opcode, payload = await wsclient.read_frame(reader, 30)
                if opcode == 10:
                    pongs += 1
                    last_pong = payload
                elif opcode == 1:
                    echoed = payload
                    break
                else:
                    break
            await sender
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            self.check(False, f"ping flood: connection failed: {e!r}")
            sender.cancel()
            writer.transport.abort()
            return
        self.figures["ping_flood"] = f"{pongs}/{p}"
        print(f"  {pongs} pongs for {p} pings; last pong {last_pong.hex() if last_pong else None}")
        self.check(echoed == b"after the flood", "ping flood: the message after the pings is echoed")
        self.check(0 < pongs <= p and last_pong == last,
                   f"ping flood: {pongs} pongs for {p} pings, the last one answers the last ping")
        writer.write(wsclient.frame(8, struct.pack("!H", 1000)))
        await asyncio.sleep(0.2)
        writer.transport.abort()

    async def unread_pings(self):
        """Pings sent without reading the pongs until the server stops taking them: the
        owed pongs must not pile up in the server."""
        before = rss_kib(self.server.pid)
        reader, writer = await self.handshake("/unread-pings")
        ping = wsclient.frame(9, b"unread")
        p = self.scale["unread_mib"] * (1 << 20) // len(ping)
        sent = 0
        try:
            while sent < p:
                writer.write(ping * 100)
                sent += 100  # written to the socket, whether or not the drain stalls
                await asyncio.wait_for(writer.drain(), 2.0)
        except asyncio.TimeoutError:
            pass  # the server stopped reading: backpressure
        except (ConnectionError, OSError) as e:
            self.check(False, f"unread pings: connection failed after {sent} pings: {e!r}")
            return
        await asyncio.sleep(0.5)
        growth = max(0, max(rss_kib(self.server.pid), self.rss_max) - before)
        self.figures["unread_pings"] = {"sent": sent, "rss_growth_kib": growth}
        print(f"  {sent} pings sent unread before the server stopped taking them; RSS growth {growth} KiB")
        # Then read: the pongs (8 identical bytes each), then the echo of a message
        # sent after the pings. Read in bulk: there may be hundreds of thousands.
        writer.write(wsclient.frame(1, b"after the unread pings"))
        pong = b"\x8a\x06unread"
        echo = b"\x81\x16after the unread pings"
        data, pongs, echoed = b"", 0, None
        deadline = time.monotonic() + 60
        try:
            while echoed is None and time.monotonic() < deadline:
                got = await asyncio.wait_for(reader.read(1 << 16), 30)
                if not got:
                    echoed = "end of stream"
                    break
                data += got
                pos = 0
                while True:
                    if data.startswith(pong, pos):
                        pos, pongs = pos + len(pong), pongs + 1
                    elif data.startswith(echo, pos):
                        echoed = echo[2:]
                        break
                    elif pong.startswith(data[pos : pos + len(pong)]) or echo.startswith(data[pos:]):
                        break  # an incomplete frame: read more
                    else:
                        echoed = data[pos : pos + 40]
                        break
                data = data[pos:]
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            echoed = repr(e)
        writer.transport.abort()
        bound = self.args.rss_unread_kib or self.args.rss_per_conn_kib
        self.check(growth <= bound, f"unread pings: RSS growth {growth} KiB <= {bound:.0f} KiB")
        self.check(echoed == b"after the unread pings" and 0 < pongs <= sent,
                   f"unread pings: {pongs} pongs, then the message after them ({echoed!r:.40})")

    async def unanswered_close(self):
        """Peers that break the protocol and never answer the server's close."""
        a = self.args
        k = self.cap(self.scale["closes"])
        times, codes = [], {}

        async def one(i):
            reader, writer = await self.handshake(f"/close{i}")
            started = time.monotonic()
            writer.write(wsclient.frame(3, b"reserved opcode"))  # §5.2: fail with 1002
            code = None
            try:
                while True:
                    _, opcode, payload = await wsclient.read_frame(reader, a.close_within + 5)
                    if opcode == 8:
                        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                        break
                # Never answer; wait for the server to let go.
                got = await asyncio.wait_for(reader.read(1), a.close_within + 5)
                if got:
                    return ("data-after-close", None)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            except asyncio.TimeoutError:
                writer.transport.abort()
                return ("still-open", code)
            times.append(time.monotonic() - started)
            writer.transport.abort()
            return ("dropped", code)

        results = await asyncio.gather(*(one(i) for i in range(k)), return_exceptions=True)
        outcomes = {}
        for r in results:
            key = repr(r) if isinstance(r, BaseException) else f"{r[0]} (close {r[1]})"
            outcomes[key] = outcomes.get(key, 0) + 1
        print(f"  outcomes: {outcomes}; dropped after {max(times, default=0):.1f} s at most")
        self.figures["unanswered_close"] = outcomes
        self.check(outcomes == {"dropped (close 1002)": k},
                   f"unanswered close: {k} peers failed with 1002 and dropped within {a.close_within:.0f} s")

    async def heartbeat(self):
        """Silent peers (no pong), idle peers (pongs but no message), unanswered idle close."""
        a = self.args
        k = self.cap(self.scale["beats"] // (2 if a.ping_interval and a.idle_timeout else 1))
        results = {}

        async def silent(i):
            # Reads the server's pings but never answers: a vanished peer as seen from
            # the server (its kernel still ACKs).
            reader, writer = await self.handshake(f"/silent{i}")
            started = time.monotonic()
            limit = a.ping_interval + (a.pong_timeout or a.ping_interval) + a.drop_slack
            pings = 0
            try:
                while time.monotonic() - started < limit:
                    _, opcode, _ = await wsclient.read_frame(reader, limit)
                    pings += opcode == 9
            except (asyncio.IncompleteReadError, ConnectionError):
                return ("dropped", pings, time.monotonic() - started)
            except asyncio.TimeoutError:
                pass
            finally:
                writer.transport.abort()
            return ("still-open", pings, time.monotonic() - started)

        async def idle(i, answer_close):
            reader, writer = await self.handshake(f"/idle-peer{i}")
            started = time.monotonic()
            limit = a.idle_timeout + (a.close_timeout or 0) + a.drop_slack
            code = None
            try:
                while time.monotonic() - started < limit:
                    _, opcode, payload = await wsclient.read_frame(reader, limit)
                    if opcode == 9:
                        writer.write(wsclient.frame(10, payload))
                    elif opcode == 8:
                        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                        if answer_close:
                            writer.write(wsclient.frame(8, payload[:2]))
            except (asyncio.IncompleteReadError, ConnectionError):
                return ("closed" if code else "dropped", code, time.monotonic() - started)
            except asyncio.TimeoutError:
                pass
            finally:
                writer.transport.abort()
            return ("still-open", code, time.monotonic() - started)

        tasks = []
        if a.ping_interval:
            tasks += [silent(i) for i in range(k)]
        if a.idle_timeout:
            tasks += [idle(i, i % 2 == 0) for i in range(k)]
        if not tasks:
            print("  skipped: the server runs without heartbeat or idle timeout")
            return
        got = await asyncio.gather(*tasks, return_exceptions=True)
        silent_r = got[: k if a.ping_interval else 0]
        idle_r = got[k if a.ping_interval else 0 :]
        if a.ping_interval:
            drops = [r for r in silent_r if not isinstance(r, BaseException) and r[0] == "dropped" and r[1] >= 1]
            self.timeouts_fired += len(drops)
            results["silent_dropped"] = len(drops)
            self.check(len(drops) == k, f"heartbeat: {len(drops)}/{k} silent peers pinged and dropped "
                       f"(after {max((r[2] for r in drops), default=0):.1f} s at most) {silent_r[:1] if len(drops) < k else ''}")
        if a.idle_timeout:
            closed = [r for r in idle_r if not isinstance(r, BaseException) and r[0] == "closed" and r[1] == 1001]
            self.timeouts_fired += len(closed)
            results["idle_closed"] = len(closed)
            self.check(len(closed) == k, f"idle timeout: {len(closed)}/{k} idle peers closed with 1001 "
                       f"(half never answered the close) {idle_r[:2] if len(closed) < k else ''}")
        self.figures["heartbeat"] = results

    # ---- the run ------------------------------------------------------------------

    async def main(self):
        a = self.args
        chosen = a.cases.split(",")
        unknown = set(chosen) - set(CASES)
        if unknown:
            self.check(False, f"unknown cases {sorted(unknown)}")
            return
        for key, case in zip(CASES, [("idle flood", self.idle_flood), ("slowloris", self.slowloris),
                                     ("slow readers", self.slow_readers), ("abrupt peers", self.abrupt),
                                     ("ping flood", self.ping_flood), ("unread pings", self.unread_pings),
                                     ("unanswered close", self.unanswered_close),
                                     ("heartbeat and idle", self.heartbeat)]):
            if key not in chosen:
                continue
            if not self.alive():
                break
            await self.phase(case[0], case[1]())
            await asyncio.sleep(1.0)


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    args.port = free_port()
    command = [c.replace("{port}", str(args.port)) for c in args.command]
    print(f"== {args.name}: {' '.join(command)}", flush=True)
    log = open(os.path.join(os.environ.get("FAULTS_LOG_DIR", "/tmp"), f"faults-{args.name}.log"), "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    r = Run(args)
    r.server = server
    probe = None
    probe_out = os.path.join(os.environ.get("FAULTS_LOG_DIR", "/tmp"), f"faults-{args.name}-probe.txt")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if args.ready_handshake:
                    wsclient.BlockingClient(args.port, 2).close()
                else:
                    socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
                break
            except (OSError, ValueError):
                time.sleep(0.2)
        else:
            r.check(False, "the server did not start listening within 120 s")
            return r
        time.sleep(0.5)
        rss_before = rss_kib(server.pid)
        if os.path.exists(probe_out):
            os.remove(probe_out)
        probe = subprocess.Popen([sys.executable, os.path.join(HERE, "probe.py"), str(args.port), probe_out])
        # The cases start once the probe holds its connection (it must get a slot).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and probe.poll() is None:
            if os.path.exists(probe_out) and open(probe_out).read(5) == "OPEN\n":
                break
            time.sleep(0.1)
        else:
            r.check(False, "the probe client did not connect within 60 s")
            return r

        async def go():
            sampler = asyncio.create_task(r.sample_rss())
            try:
                await r.main()
            finally:
                sampler.cancel()
        asyncio.run(go())
        time.sleep(2.0)
        rss_after = rss_kib(server.pid)
        r.figures["rss_before_kib"] = rss_before
        r.figures["rss_after_kib"] = rss_after
        r.check(rss_after - rss_before <= args.rss_after_mib * 1024,
                f"RSS after the run {rss_after / 1024:.1f} MiB, before {rss_before / 1024:.1f} MiB "
                f"(bound: +{args.rss_after_mib:.0f} MiB)")
    finally:
        if probe is not None:
            probe.send_signal(signal.SIGTERM)
            try:
                probe_rc = probe.wait(30)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe_rc = "hung"
            r.check(probe_rc == 0, f"probe client: exit {probe_rc}")
        crashed = server.poll()
        if crashed is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                r.check(False, "the server did not stop within 15 s of SIGTERM")
        else:
            r.check(False, f"the server exited during the run (status {crashed}); see {log.name}")
        log.close()
    samples, errors = [], []
    if os.path.exists(probe_out):
        for line in open(probe_out):
            if line.startswith("ERR"):
                errors.append(line.strip())
            elif line != "OPEN\n":
                t, rtt, size = line.split()
                samples.append((float(t), float(rtt), int(size)))
    r.check(not errors, f"probe client: no loss or corruption {errors[:3] if errors else ''}")
    # Round trips while cases 2-5 ran (slowloris to ping flood), as the goal is stated.
    loaded = [p for p in r.phases if p[0] in ("slowloris", "slow readers", "abrupt peers", "ping flood")]
    rtts = [s[1] for s in samples if any(st <= s[0] <= en for _, st, en in loaded)]
    r.figures["probe_messages"] = len(samples)
    r.figures["probe_p50_ms"] = round(percentile(rtts, 0.50) * 1000, 2)
    r.figures["probe_p99_ms"] = round(percentile(rtts, 0.99) * 1000, 2)
    r.check(len(samples) > 0, f"probe client: {len(samples)} messages echoed and checked")
    r.figures["timeouts_fired"] = r.timeouts_fired
    return r


def main():
    args = parse_args()
    r = run(args)
    f = r.figures
    during = max(f.get("rss_during_kib", {}).values(), default=0)
    failed = [t for ok, t in r.checks if not ok]
    row = (f"| {args.name} | {f.get('rss_before_kib', 0) / 1024:.1f} / {during / 1024:.1f} / "
           f"{f.get('rss_after_kib', 0) / 1024:.1f} | {f.get('idle_held', '-')} of {f.get('idle_opened', '-')} | "
           f"{f.get('timeouts_fired', 0)} | {f.get('probe_p50_ms')} / {f.get('probe_p99_ms')} | "
           f"{f.get('probe_messages', 0)}, {'none lost' if not any('loss' in t for t in failed) else 'LOSS'} | "
           f"{'pass' if not failed else 'FAIL'} |")
    print("\n| server | RSS MiB before / during / after | idle held | timeouts fired | probe p50 / p99 ms | probe messages | checks |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(row)
    print(json.dumps(f, default=str))
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps({"name": args.name, "scale": args.scale, "ok": not failed, **f}, default=str) + "\n")
    if failed:
        print(f"{len(failed)} check(s) failed:", *failed, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
