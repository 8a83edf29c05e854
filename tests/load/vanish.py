#!/usr/bin/env python3
"""Vanished peers: a server's heartbeat must notice peers whose packets stop (root only).

    vanish.py [--peers K] [--within SECONDS] -- SERVER_COMMAND ... {host} {port} ...

Creates a network namespace joined to this one by a veth pair (10.231.N.1 here,
10.231.N.2 there), starts the server on 10.231.N.1, opens K WebSocket connections
from inside the namespace, then adds netfilter DROP rules in the namespace: the peers
vanish without a FIN or an RST. The server, run with a heartbeat, must drop every one of
them within SECONDS: no connection to it stays ESTABLISHED (`ss`). Everything it creates
is removed at the end, whatever happens; every wait is bounded.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import wsclient
async def main(host, port, k):
    conns = [await wsclient.handshake(port, 10, f"/vanish{i}", host) for i in range(k)]
    print("open", flush=True)
    await asyncio.sleep(600)  # ended by the test; the reads and pings are left unanswered
asyncio.run(main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=30)


def established(host, port):
    out = sh("ss", "-Htn", "state", "established", f"( sport = :{port} )").stdout
    return sum(1 for line in out.splitlines() if f"{host}:{port}" in line)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peers", type=int, default=10)
    p.add_argument("--within", type=float, default=20.0)
    p.add_argument("command", nargs="+")
    a = p.parse_args()
    n = os.getpid() % 200 + 20
    ns, vh, vp = f"wsfv{os.getpid()}", f"wsfh{os.getpid() % 100000}", f"wsfp{os.getpid() % 100000}"
    host, peer_ip = f"10.231.{n}.1", f"10.231.{n}.2"
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = client = None
    ok = False
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", vh, "type", "veth", "peer", "name", vp)
        sh("ip", "link", "set", vp, "netns", ns)
        sh("ip", "addr", "add", f"{host}/30", "dev", vh)
        sh("ip", "link", "set", vh, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{peer_ip}/30", "dev", vp)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", vp, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        command = [c.replace("{host}", host).replace("{port}", str(port)) for c in a.command]
        print(f"== vanished peers: {' '.join(command)}", flush=True)
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start listening")
                time.sleep(0.2)
        client = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", PEER, HERE, host,
                                   str(port), str(a.peers)], stdout=subprocess.PIPE, text=True)
        line = client.stdout.readline()
        if line.strip() != "open":
            raise RuntimeError(f"the peers did not connect ({line!r})")
        time.sleep(0.5)
        before = established(host, port)
        print(f"  {before} connections established; dropping every packet of the peers", flush=True)
        for chain in ("INPUT", "OUTPUT"):
            sh("ip", "netns", "exec", ns, "iptables", "-A", chain, "-j", "DROP")
        started = time.monotonic()
        left = before
        while time.monotonic() - started < a.within:
            left = established(host, port)
            if left == 0:
                break
            time.sleep(0.2)
        took = time.monotonic() - started
        alive = server.poll() is None
        print(f"  [{'ok' if before == a.peers else 'FAIL'}] {before}/{a.peers} peers connected")
        print(f"  [{'ok' if left == 0 else 'FAIL'}] {before - left}/{before} vanished peers dropped "
              f"by the server ({took:.1f} s; bound {a.within:.0f} s)")
        print(f"  [{'ok' if alive else 'FAIL'}] server still running")
        ok = before == a.peers and left == 0 and alive
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        print(f"  [FAIL] {e}")
    finally:
        for proc in (client, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        sh("ip", "netns", "del", ns, check=False)  # removes the veth pair with it
        sh("ip", "link", "del", vh, check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
