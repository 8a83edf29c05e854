#!/usr/bin/env python3
"""The well-behaved client of the load and fault suite (stdlib only, blocking).

    probe.py PORT OUT_FILE

Echoes messages of mixed sizes and kinds over one connection to ws://127.0.0.1:PORT,
checks every byte of every echo, answers pings, and writes `OPEN` once connected, then
one line per round trip to OUT_FILE: `MONOTONIC_SECONDS RTT_SECONDS SIZE`. It runs in its own process so that the
load generator's work does not delay its timing. SIGTERM ends it with a closing
handshake; any loss, corruption or timeout writes `ERR reason` and exits 1.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wsclient  # noqa: E402

SIZES = [0, 1, 125, 126, 1000, 4096, 65535, 65536, 200_000]
TIMEOUT = 20.0
stop = False


def on_term(*_):
    global stop
    stop = True


def main():
    port, out_path = int(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, on_term)
    out = open(out_path, "w", buffering=1)
    try:
        ws = wsclient.BlockingClient(port, TIMEOUT)
        out.write("OPEN\n")  # the suite starts its cases after this line
        i = 0
        while not stop:
            size = SIZES[i % len(SIZES)]
            text = i % 2 == 1
            payload = wsclient.text_payload(size, i) if text else os.urandom(size)
            started = time.monotonic()
            ws.send(1 if text else 2, payload)
            opcode, echoed = ws.recv_message()
            rtt = time.monotonic() - started
            if opcode != (1 if text else 2) or echoed != payload:
                out.write(f"ERR corrupted echo of message {i} ({size} bytes, opcode {opcode})\n")
                return 1
            out.write(f"{started:.6f} {rtt:.6f} {size}\n")
            i += 1
            time.sleep(0.005)
        ws.close()
        return 0
    except Exception as e:  # every failure is a finding: report it, do not hide it
        out.write(f"ERR {type(e).__name__}: {e}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
