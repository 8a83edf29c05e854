# -*- coding: utf-8 -*-
"""Python 2.7 launcher for Autobahn|Testsuite's wstest (run with the venv's python).

Differences from plain `wstest`:

* every TCP/TLS listener that wstest opens (fuzzingserver's WebSocket port,
  and the web UI if it was not disabled with `-u 0`) is bound to
  $AUTOBAHN_BIND (default 127.0.0.1) instead of all interfaces;
* `wstest_local.py --list-cases SPEC.json` prints the resolved, ordered list
  of case ids that SPEC's "cases"/"exclude-cases" select (JSON), so the
  checker can tell a run that stopped early from a complete one.

Everything else is passed to wstest unchanged, e.g.
    python wstest_local.py -m fuzzingserver -s spec.json -u 0
"""
import json
import os
import sys

BIND = os.environ.get("AUTOBAHN_BIND", "127.0.0.1")


def list_cases(spec_path):
    from autobahntestsuite import fuzzing
    with open(spec_path) as f:
        spec = json.load(f)
    cs = fuzzing.CaseSet(fuzzing.CaseSetname, fuzzing.CaseBasename, fuzzing.Cases,
                         fuzzing.CaseCategories, fuzzing.CaseSubCategories)
    cases = cs.parseSpecCases(spec)
    unknown = [c for c in cases if c not in cs.CasesIndices]
    if unknown:
        sys.stderr.write("unknown case ids in spec: %s\n" % ", ".join(unknown))
        sys.exit(2)
    print(json.dumps(cases))


def patch_listeners():
    # wstest must be imported first: it installs the reactor it wants.
    from autobahntestsuite import wstest, fuzzing, echo, broadcast  # noqa
    from twisted.internet import reactor
    import autobahn.twisted.websocket as abws

    orig_tcp, orig_ssl = reactor.listenTCP, reactor.listenSSL

    def listenTCP(port, factory, backlog=50, interface=''):
        p = orig_tcp(port, factory, backlog, interface or BIND)
        sys.stdout.write("[wstest_local] listening on %s\n" % (p.getHost(),))
        sys.stdout.flush()
        return p

    def listenSSL(port, factory, contextFactory, backlog=50, interface=''):
        p = orig_ssl(port, factory, contextFactory, backlog, interface or BIND)
        sys.stdout.write("[wstest_local] listening (TLS) on %s\n" % (p.getHost(),))
        sys.stdout.flush()
        return p

    reactor.listenTCP, reactor.listenSSL = listenTCP, listenSSL

    orig_listen_ws = abws.listenWS

    def listenWS(factory, contextFactory=None, backlog=50, interface=''):
        return orig_listen_ws(factory, contextFactory, backlog, interface or BIND)

    # modules did `from autobahn.twisted.websocket import listenWS`
    for mod in (abws, fuzzing, echo, broadcast):
        if hasattr(mod, "listenWS"):
            mod.listenWS = listenWS
    return wstest


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--list-cases":
        list_cases(sys.argv[2])
        return
    wstest = patch_listeners()
    sys.argv[0] = "wstest"
    wstest.run()


if __name__ == "__main__":
    main()
