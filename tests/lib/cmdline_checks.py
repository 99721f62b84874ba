# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""cmdline_checks.py - what tests/examples/cmdline.py and
tests/bench/cmdline.py share: the checks' tally, a case of bad arguments,
running a program to its end, and the two checks every program gets (a
table of bad command lines refused with exit 2 naming the option and the
value; --version and --help)."""
import subprocess

failures = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        failures.append(what)
    return ok


def bad(args, option, value=None):
    """A case: |args| must exit 2 naming |option| (and |value| quoted)."""
    return (args, option, value)


def run(cmd, env=None):
    """Run |cmd| to its end (5 s at most): (exit status, stdout, stderr),
    status None when it had to be killed (it started serving)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=5,
                           env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        out, err = e.stdout or "", e.stderr or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
        return None, out, err


def check_refused(label, cmd, cases):
    """Each case of |cases| appended to |cmd| (the program and the
    arguments every run gets) exits 2 at once, and stderr names the option
    and the value."""
    for args, option, value in cases:
        rc, _, err = run(cmd + args)
        what = "%s %s" % (label, " ".join(repr(a) for a in args))
        if rc is None:
            check(False, what + ": started instead of refusing")
            continue
        named = option in err and (value is None or "'%s'" % value in err)
        first = err.strip().splitlines()[0] if err.strip() else "no stderr"
        check(rc == 2 and named,
              "%s: exit %s, stderr names %s%s (%s)" %
              (what, rc, option, "" if value is None else " and '%s'" % value,
               first))


def check_version_help(label, path, version):
    """--version prints "LABEL ringview VERSION", nothing on stderr, and
    exits 0; --help exits 0 and lists --version. Returns the help text."""
    rc, out, err = run([path, "--version"])
    want = "%s ringview %s\n" % (label, version)
    check(rc == 0 and out == want and err == "",
          "%s --version: exit %s, %r (want %r)" % (label, rc, out, want))
    rc, out, _ = run([path, "--help"])
    check(rc == 0 and "--version" in out,
          "%s --help: exit %s, lists --version" % (label, rc))
    return out
