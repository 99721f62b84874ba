#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""cmdline.py - the bench programs refuse bad command lines and tell their
version, as the examples do (issue 15; tests/examples/cmdline.py).

usage: cmdline.py --version-string X.Y.Z --program NAME PATH
                  [--program NAME PATH ...]

NAME is the program's name as built (epoll-echo, uring-echo, mmsg-echo,
epoll-proxy, loadgen, micro, wheel, http-parse-bench); bench/meson.build
passes every one it builds. For each:
  - every line of its table of bad arguments exits 2 at once, and stderr
    names the option (and the value, quoted, where there is one); a
    program that starts instead is killed after 5 s and the case fails.
    Each run gets harmless arguments first (a free port, nothing to
    connect to, one short run), so that a case wrongly accepted does not
    load the machine or another program's port;
  - --version prints "NAME ringview X.Y.Z" on stdout and exits 0;
  - --help exits 0 and lists --version.
And one run: loadgen --discard against epoll-echo counts every echoed
message (the kernel drops the bytes: MSG_TRUNC) with no error.
Exit status 0 when every check passes, 1 otherwise.
"""
import argparse, os, re, subprocess, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from cmdline_checks import bad, check, check_refused, failures, run
import cmdline_checks


def port_cases(low):
    return [
        bad(["--port", "abc"], "--port", "abc"),
        bad(["--port", ""], "--port", ""),
        bad(["--port", "7000x"], "--port", "7000x"),
        bad(["--port", "70000"], "--port", "70000"),
        bad(["--port", "65536"], "--port", "65536"),
        bad(["--port", "-1"], "--port", "-1"),
        bad(["--port", " 80"], "--port", " 80"),
        bad(["--port", "+80"], "--port", "+80"),
        bad(["--port", "0x50"], "--port", "0x50"),
        bad(["--port"], "--port"),  # getopt_long: requires an argument
    ] + ([bad(["--port", "0"], "--port", "0")] if low > 0 else [])


OPERANDS = [
    bad(["stray"], "stray"),
    bad(["--no-such-option"], "--no-such-option"),
]
SERVER = port_cases(0) + OPERANDS + [
    bad(["--host", "localhost"], "--host", "localhost"),
    bad(["--host", "127.0.0.256"], "--host", "127.0.0.256"),
    bad(["--host", ""], "--host", ""),
]
HARNESS = OPERANDS + [
    bad(["--iters", "abc"], "--iters", "abc"),
    bad(["--iters", "7x"], "--iters", "7x"),
    bad(["--iters", "0"], "--iters", "0"),
    bad(["--iters", "+5"], "--iters", "+5"),
    bad(["--iters", "-5"], "--iters", "-5"),
    bad(["--iters", "18446744073709551616"], "--iters",
        "18446744073709551616"),
    bad(["--runs", "abc"], "--runs", "abc"),
    bad(["--runs", "0"], "--runs", "0"),
    bad(["--runs", "3000000000"], "--runs", "3000000000"),
    bad(["--iters"], "--iters"),
]
TABLES = {
    "epoll-echo": SERVER,
    "mmsg-echo": SERVER,
    "uring-echo": SERVER + [
        bad(["--buffers", "abc"], "--buffers", "abc"),
        bad(["--buffers", "0"], "--buffers", "0"),
        bad(["--buffers", "32769"], "--buffers", "32769"),
        bad(["--buf-size", "16k"], "--buf-size", "16k"),
        bad(["--buf-size", "0"], "--buf-size", "0"),
        bad(["--buf-size", "4294967297"], "--buf-size", "4294967297"),
    ],
    # One --upstream per run: the cases of SERVER get a good one.
    "epoll-proxy": [bad(["--upstream", "127.0.0.1:9"] + args, option, value)
                    for args, option, value in SERVER] + [
        bad(["--upstream", "nowhere"], "--upstream", "nowhere"),
        bad(["--upstream", "127.0.0.1:99999"], "--upstream",
            "127.0.0.1:99999"),
        bad(["--upstream", "127.0.0.1:0"], "--upstream", "127.0.0.1:0"),
        bad(["--upstream", "127.0.0.1:9x"], "--upstream", "127.0.0.1:9x"),
        bad(["--upstream", "localhost:9"], "--upstream", "localhost:9"),
        bad(["--upstream"], "--upstream"),
    ],
    "loadgen": port_cases(1) + OPERANDS + [
        bad(["--host", "localhost2"], "--host", "localhost2"),
        bad(["--conns", "abc"], "--conns", "abc"),
        bad(["--conns", "7x"], "--conns", "7x"),
        bad(["--conns", "0"], "--conns", "0"),
        bad(["--conns", "1.5"], "--conns", "1.5"),
        bad(["--conns", "1e3"], "--conns", "1e3"),
        bad(["--conns"], "--conns"),
        bad(["--size", "0"], "--size", "0"),
        bad(["--size", "64k"], "--size", "64k"),
        bad(["--depth", "1025"], "--depth", "1025"),
        bad(["--threads", "0"], "--threads", "0"),
        bad(["--threads", "257"], "--threads", "257"),
        bad(["--idle", "abc"], "--idle", "abc"),
        bad(["--seconds", "abc"], "--seconds", "abc"),
        bad(["--seconds", "1e3"], "--seconds", "1e3"),
        bad(["--seconds", "."], "--seconds", "."),
        bad(["--seconds", "0x10"], "--seconds", "0x10"),
        bad(["--seconds", "inf"], "--seconds", "inf"),
        bad(["--warmup", "-1"], "--warmup", "-1"),
        bad(["--server-pid", "abc"], "--server-pid", "abc"),
        bad(["--udp-timeout-ms", "abc"], "--udp-timeout-ms", "abc"),
        bad(["--udp", "--size", "8"], "--size"),
        bad(["--sources", "abc"], "--sources", "abc"),
        bad(["--sources", "0"], "--sources", "0"),
        bad(["--sources", "16777217"], "--sources", "16777217"),
        bad(["--sources"], "--sources"),
        bad(["--source-base", "nowhere"], "--source-base", "nowhere"),
        bad(["--source-base", "::1"], "--source-base", "::1"),
        bad(["--source-base", "10.0.0.1"], "--source-base", "10.0.0.1"),
        bad(["--source-base", "127.255.255.250", "--sources", "10"],
            "--source-base", "127.255.255.250"),
        bad(["--source-base"], "--source-base"),
        bad(["--host", "::1", "--sources", "2"], "--sources"),
        bad(["--udp", "--sources", "2"], "--sources"),
        bad(["--udp", "--reset"], "--reset"),
        bad(["--udp", "--discard"], "--discard"),
    ],
    "micro": HARNESS + [
        bad(["--filter"], "--filter"),
        bad(["--csv-file"], "--csv-file"),
    ],
    "http-parse-bench": HARNESS + [
        bad(["--only", "nginx"], "--only", "nginx"),
        bad(["--only"], "--only"),
    ],
}
TABLES["wheel"] = TABLES["micro"]
# Arguments every run gets first: a free port for the servers, a discard
# port nobody listens on and a short run for loadgen, the shortest run for
# the rest, so that a case wrongly accepted costs little.
BASE = {
    "epoll-echo": ["--port", "0"],
    "mmsg-echo": ["--port", "0"],
    "uring-echo": ["--port", "0"],
    "epoll-proxy": ["--port", "0"],
    "loadgen": ["--port", "9", "--seconds", "0.1", "--warmup", "0",
                "--conns", "1"],
    "micro": ["--iters", "1", "--runs", "1"],
    "wheel": ["--iters", "1", "--runs", "1"],
    "http-parse-bench": ["--iters", "1", "--runs", "1"],
}


def check_bad_arguments(name, path):
    check_refused(name, [path] + BASE.get(name, []), TABLES[name])
    if name == "epoll-proxy":
        rc, _, err = run([path, "--port", "0"])
        check(rc == 2 and "--upstream" in err,
              "epoll-proxy without --upstream: exit %s, names --upstream"
              % rc)


def check_discard(loadgen, echo):
    """loadgen --discard against a real echo server: messages come back
    and are counted, nothing is reported lost or stalled."""
    srv = subprocess.Popen([echo, "--port", "0"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        line = srv.stdout.readline()  # "listening on HOST:PORT"
        m = re.search(r":(\d+)", line)
        check(m is not None, "epoll-echo said where it listens: %r" % line)
        if not m:
            return
        rc, out, err = run([loadgen, "--port", m.group(1), "--conns", "4",
                            "--size", "65536", "--seconds", "0.3",
                            "--warmup", "0", "--discard"])
        msgs = re.search(r"msgs/s=([0-9.]+)", out)
        errors = re.search(r"errors=(\d+)", out)
        check(rc == 0 and msgs and float(msgs.group(1)) > 0 and errors
              and errors.group(1) == "0",
              "loadgen --discard against epoll-echo: exit %s, %r %r"
              % (rc, out.strip()[-200:], err.strip()[-200:]))
    finally:
        srv.kill()
        srv.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version-string", required=True)
    ap.add_argument("--program", nargs=2, action="append", required=True,
                    metavar=("NAME", "PATH"))
    a = ap.parse_args()
    for name, path in a.program:
        if name not in TABLES:
            check(False, "%s: no table of bad arguments for it here" % name)
            continue
        check_bad_arguments(name, path)
        cmdline_checks.check_version_help(name, path, a.version_string)
    progs = dict(a.program)
    if "loadgen" in progs and "epoll-echo" in progs:
        check_discard(progs["loadgen"], progs["epoll-echo"])
    print("%d failed" % len(failures))
    for f in failures:
        print("FAILED: " + f.splitlines()[0])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
