"""Starting and stopping our echo server for the interop tests."""
import os
import re
import select
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start_echo_server(echo_bin, static_dir=None, deflate=False):
    """Starts echo-server on a free 127.0.0.1 port; returns (process, ws:// URL).
    With `deflate` it accepts permessage-deflate, else it declines it."""
    args = [echo_bin, "--listen", "127.0.0.1:0", "--quiet",
            "--static", static_dir or os.path.join(HERE, "page"),
            "--deflate" if deflate else "--no-deflate"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
            m = re.search(rb"listening on (ws://\S+)", line)
            if m:
                return proc, m.group(1).decode()
    stop_process(proc)
    raise RuntimeError("echo-server did not start: %r" % seen)


def stop_process(proc):
    """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
