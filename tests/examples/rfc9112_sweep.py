#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""rfc9112_sweep.py - how ringview-http answers 86 requests at the edges of
RFC 9112 / RFC 9110: request-line forms, Host, field syntax, body framing,
HTTP/1.0, Expect, and the request-smuggling classics.

usage: rfc9112_sweep.py --server PATH [--backend uring|ev]   (starts it)
       rfc9112_sweep.py --port N          (a server already running)
       [--json FILE] [--only SUBSTR]

Each case is judged against what the RFCs require: OK, ALLOWED-EITHER
(the RFC permits what the server did among other behaviours) or
DEVIATION. One new TCP connection per case; 2 s timeout; reads until
close, or until the connection is idle for 0.5 s after at least one
complete response. Exit status 1 when a case deviates or the server does
not exit cleanly.
"""
import argparse, json, os, select, signal, socket, subprocess, sys, threading, time

TIMEOUT = 2.0      # max wait for the first / next response
IDLE = 0.5         # after a complete response, stop when quiet this long
H = b"Host: h\r\n"

# --------------------------------------------------------------- responses
def parse_responses(buf):
    """Parse as many complete responses as possible from buf.
    Returns (list of (status, headers, body)), rest, error)."""
    out = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf, None
        head = buf[:end].decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        try:
            status = int(parts[1])
        except Exception:
            return out, buf, "unparsable status line %r" % lines[0]
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        rest = buf[end + 4:]
        if 100 <= status < 200 or status in (204, 304):
            out.append((status, hdrs, b""))
            buf = rest
            continue
        n = int(hdrs.get("content-length", "0"))
        if len(rest) < n:
            return out, buf, None
        out.append((status, hdrs, rest[:n]))
        buf = rest[n:]

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed = False
        self.reset = False

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            self.closed = True

    def pump(self, seconds):
        """Read whatever arrives within |seconds|; stop early at close."""
        end = time.time() + seconds
        while not self.closed:
            left = end - time.time()
            if left <= 0:
                return
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return
            self._recv()

    def _recv(self):
        try:
            d = self.s.recv(65536)
        except ConnectionResetError:
            self.closed = self.reset = True
            return
        except OSError:
            self.closed = True
            return
        if not d:
            self.closed = True
        self.buf += d

    def finish(self):
        """Read until close; or until a final response is complete and the
        connection then stays quiet for IDLE; or TIMEOUT with nothing."""
        last = time.time()
        while not self.closed:
            resps, rest, _ = parse_responses(self.buf)
            have_final = any(st >= 200 for st, _, _ in resps) and not rest
            wait = IDLE if have_final else TIMEOUT
            left = last + wait - time.time()
            if left <= 0:
                break
            r, _, _ = select.select([self.s], [], [], left)
            if r:
                self._recv()
                last = time.time()
        self.s.close()

def run_case(port, case):
    c = Conn(port)
    for piece, delay in case["steps"]:
        if c.closed:
            break
        c.send(piece)
        if delay:
            c.pump(delay)
    c.finish()
    resps, rest, err = parse_responses(c.buf)
    res = {
        "st": [st for st, _, _ in resps],
        "closed": c.closed,
        "reset": c.reset,
        "bodies": [b for _, _, b in resps],
        "conn_hdr": [h.get("connection", "") for _, h, _ in resps],
        "junk": rest.decode("latin-1")[:80] if rest else "",
        "err": err,
    }
    res["timeout"] = not any(s >= 200 for s in res["st"]) and not c.closed
    return res

# --------------------------------------------------------------- judging
def ok_if(cond):
    return "OK" if cond else "DEVIATION"

def either_if(cond):
    return "ALLOWED-EITHER" if cond else "DEVIATION"

def is_err(r, codes=None):
    """Exactly one final response, an error, and the connection closed."""
    fin = [s for s in r["st"] if s >= 200]
    if len(fin) != 1 or not r["closed"]:
        return False
    return fin[0] in codes if codes else 400 <= fin[0] < 600

def only(r, *sts):
    return r["st"] == list(sts)

REJ400 = lambda r: ok_if(is_err(r, (400,)))
def REJ(codes=None):
    return lambda r: ok_if(is_err(r, codes))
def OK200(body=None, open_=True):
    def j(r):
        good = only(r, 200) and (body is None or r["bodies"][0] == body)
        if open_:
            good = good and not r["closed"]
        return ok_if(good)
    return j
def EITHER(*preds):
    return lambda r: either_if(any(p(r) for p in preds))

acc200 = lambda r: [s for s in r["st"] if s >= 200] == [200]
acc_any = lambda r: len([s for s in r["st"] if s >= 200]) == 1
rej400 = lambda r: is_err(r, (400,))
rej4xx = lambda r: is_err(r)
any4xx = lambda r: len(r["st"]) == 1 and 400 <= r["st"][0] < 500

# --------------------------------------------------------------- cases
CASES = []
def case(name, data, rfc, judge, steps=None, sent=None):
    if steps is None:
        steps = [(data, 0)]
    if sent is None:
        d = b"".join(p for p, _ in steps)
        sent = repr(d if len(d) <= 70 else d[:60] + b"..." + d[-8:])[2:-1]
    CASES.append({"name": name, "steps": steps, "rfc": rfc, "judge": judge,
                  "sent": sent})

def req(line, headers=b"", body=b"", host=True):
    return line + b"\r\n" + (H if host else b"") + headers + b"\r\n" + body

G = b"GET / HTTP/1.1"
PE = b"POST /echo HTTP/1.1"

# ---- request line
case("rl-origin-baseline", req(G), "must process: 200, persists", OK200(b"Hello from ringview!\n"))
case("rl-absolute-form", req(b"GET http://h/ HTTP/1.1"),
     "9112 3.2.2 MUST accept absolute-form; routes as /", OK200(b"Hello from ringview!\n"))
case("rl-absolute-host-mismatch", b"GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
     "9112 3.2.2 MUST ignore Host, use target authority", OK200(b"Hello from ringview!\n"))
case("rl-absolute-no-host", req(b"GET http://h/ HTTP/1.1", host=False),
     "9112 3.2 MUST 400 (1.1 without Host)", REJ400)
case("rl-authority-form-GET", req(b"GET h:80 HTTP/1.1"),
     "9112 3.2.3 client MUST NOT send for non-CONNECT; server: any 4xx", EITHER(any4xx))
case("rl-asterisk-form-GET", req(b"GET * HTTP/1.1"),
     "9112 3.2.4 client MUST NOT send for non-OPTIONS; server: any 4xx", EITHER(any4xx))
case("rl-missing-version", b"GET /\r\nHost: h\r\n\r\n",
     "9112 3 invalid request-line SHOULD 400 (0.9 not required)", REJ400)
case("rl-http10", b"GET / HTTP/1.0\r\n\r\n",
     "9112 9.3 1.0 w/o keep-alive: 200 then close", lambda r: ok_if(only(r, 200) and r["closed"]))
case("rl-http20", req(b"GET / HTTP/2.0"),
     "9110 15.6.6 unsupported major: 505 (or 400)", REJ((505, 400)))
case("rl-http12", req(b"GET / HTTP/1.2"),
     "9110 2.5 SHOULD process as 1.1", OK200())
case("rl-lowercase-http", req(b"GET / http/1.1"),
     "9112 2.3 HTTP-name case-sensitive: invalid -> 400", REJ400)
case("rl-double-space", req(b"GET  / HTTP/1.1"),
     "9112 3 MAY parse on whitespace or reject", EITHER(acc200, rej400))
case("rl-tab-separators", req(b"GET\t/\tHTTP/1.1"),
     "9112 3 MAY parse on whitespace or reject", EITHER(acc200, rej400))
case("rl-trailing-space", req(b"GET / HTTP/1.1 "),
     "9112 3 MAY ignore whitespace or reject", EITHER(acc200, rej400))
case("rl-leading-crlf", b"\r\n\r\n" + req(G),
     "9112 2.2 SHOULD ignore >=1 empty line before request-line", OK200())
case("rl-bare-lf-lines", b"GET / HTTP/1.1\nHost: h\n\n",
     "9112 2.2 MAY accept bare LF, else invalid", EITHER(acc200, rej400))
case("rl-bare-cr", b"GET / HTTP/1.1\rHost: h\r\n\r\n",
     "9112 2.2 MUST treat as invalid or CR->SP (=> invalid)", REJ400)
case("rl-nul-in-target", req(b"GET /\x00 HTTP/1.1"),
     "target grammar excludes NUL: invalid -> 400", REJ400)
case("rl-ctl-in-target", req(b"GET /a\x01b HTTP/1.1"),
     "target grammar excludes CTL: invalid -> 400", REJ400)
case("rl-long-target-8000", req(b"GET /" + b"a" * 8000 + b" HTTP/1.1"),
     "9112 3 SHOULD support >=8000 octets: 404 here", lambda r: ok_if(only(r, 404) and not r["closed"]))
case("rl-long-target-10000", req(b"GET /" + b"a" * 10000 + b" HTTP/1.1"),
     "9112 3 target too long MUST 414", REJ((414,)))
# ---- Host
case("host-missing-1.1", req(G, host=False), "9112 3.2 MUST 400", REJ400)
case("host-duplicate", req(G, b"Host: h2\r\n"), "9112 3.2 MUST 400", REJ400)
case("host-empty-origin", b"GET / HTTP/1.1\r\nHost:\r\n\r\n",
     "9110 7.2/9112 3.3 MAY reject or use default authority", EITHER(acc200, rej400))
case("host-empty-absolute", b"GET http://h/ HTTP/1.1\r\nHost:\r\n\r\n",
     "9112 3.2.2 MUST ignore Host (empty is valid syntax)",
     lambda r: "OK" if acc200(r) else either_if(rej400(r)))
case("host-with-space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "9112 3.2 invalid value MUST 400", REJ400)
case("host-with-userinfo", b"GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", "9112 3.2 invalid value MUST 400", REJ400)
case("host-with-port", b"GET / HTTP/1.1\r\nHost: h:8080\r\n\r\n", "valid: 200", OK200())
case("host-bad-port", b"GET / HTTP/1.1\r\nHost: h:abc\r\n\r\n", "9112 3.2 port=*DIGIT; invalid MUST 400", REJ400)
case("host-bad-pct", b"GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n", "9112 3.2 bad pct-encoding; invalid MUST 400", REJ400)

# ---- field syntax
case("f-space-before-colon", req(G, b"Foo : bar\r\n"), "9112 5.1 MUST 400", REJ400)
case("f-obs-fold", req(G, b"Foo: a\r\n b\r\n"), "9112 5.2 MUST 400 or replace with SP", EITHER(rej400, acc200))
case("f-ws-before-first-field", b"GET / HTTP/1.1\r\n Foo: a\r\nHost: h\r\n\r\n",
     "9112 2.2 MUST reject or ignore that line", EITHER(rej400, acc200))
case("f-name-bad-tchar", req(G, b"Fo(o: x\r\n"), "9110 5.1 name is token: invalid -> 400", REJ400)
case("f-no-colon", req(G, b"Foo\r\n"), "9112 5 field-line needs ':': invalid -> 400", REJ400)
case("f-empty-name", req(G, b": x\r\n"), "field-name is 1*tchar: invalid -> 400", REJ400)
case("f-many-fields-150", req(G, b"".join(b"X-%d: v\r\n" % i for i in range(150))),
     "9110 may refuse large header sections: 431 (or 400)", REJ((431, 400)))
case("f-huge-field-9000", req(G, b"X-Big: " + b"v" * 9000 + b"\r\n"),
     "9110 may refuse: 431 (or 400)", REJ((431, 400)))
case("f-nul-in-value", req(G, b"Foo: a\x00b\r\n"), "9110 5.5 MUST reject or NUL->SP", EITHER(rej400, acc200))
case("f-cr-in-value", req(G, b"Foo: a\rb\r\n"), "9110 5.5 MUST reject or CR->SP", EITHER(rej400, acc200))
# ---- Content-Length
case("cl-and-te", req(PE, b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n\r\n"),
     "9112 6.3 MAY reject or use TE; MUST close after", EITHER(rej400, lambda r: acc200(r) and r["closed"]))
case("cl-dup-same", req(PE, b"Content-Length: 5\r\nContent-Length: 5\r\n", b"hello"),
     "9110 8.6 MAY accept as one or reject", EITHER(acc200, rej400))
case("cl-list-same", req(PE, b"Content-Length: 5, 5\r\n", b"hello"),
     "9110 8.6 MAY accept as one or reject", EITHER(acc200, rej400))
case("cl-dup-differ", req(PE, b"Content-Length: 5\r\nContent-Length: 6\r\n", b"hello!"),
     "9112 6.3(5) invalid CL: MUST 400 + close", REJ400)
case("cl-plus-sign", req(PE, b"Content-Length: +5\r\n", b"hello"), "9112 6.3(5) MUST 400 + close", REJ400)
case("cl-leading-zeros", req(PE, b"Content-Length: 005\r\n", b"hello"), "1*DIGIT valid: 200", OK200(b"hello"))
case("cl-hex", req(PE, b"Content-Length: 0x5\r\n", b"hello"), "9112 6.3(5) MUST 400 + close", REJ400)
case("cl-overflow", req(PE, b"Content-Length: 99999999999999999999999\r\n", b"hello"),
     "9112 6.3(5) MUST 400 + close", REJ400)
case("cl-huge", req(PE, b"Content-Length: 10000000000\r\n", b"hello"),
     "9110 15.5.14 MAY refuse with 413 (+close)", REJ((413,)))

# ---- Transfer-Encoding / chunked
CH = b"5\r\nhello\r\n0\r\n\r\n"
case("te-chunked-basic", req(PE, b"Transfer-Encoding: chunked\r\n", CH), "valid: 200 echo", OK200(b"hello"))
case("te-chunked-not-last", req(PE, b"Transfer-Encoding: chunked, gzip\r\n", CH),
     "9112 6.3(4) chunked not final: MUST 400 + close", REJ400)
case("te-gzip-chunked", req(PE, b"Transfer-Encoding: gzip, chunked\r\n", CH),
     "9112 6.1 unknown coding SHOULD 501 (+close)", REJ((501, 400)))
case("te-identity", req(PE, b"Transfer-Encoding: identity\r\n", b"hello"),
     "9112 6.3(4) TE w/o final chunked: MUST 400 + close", REJ400)
case("te-uppercase", req(PE, b"Transfer-Encoding: CHUNKED\r\n", CH), "9112 7 coding names case-insens.: 200", OK200(b"hello"))
case("te-empty-list-elems", req(PE, b"Transfer-Encoding: , chunked,\r\n", CH),
     "9110 5.6.1 MUST ignore empty list elements: 200", OK200(b"hello"))
case("ch-extension", req(PE, b"Transfer-Encoding: chunked\r\n", b"5;foo=bar\r\nhello\r\n0\r\n\r\n"),
     "9112 7.1.1 MUST ignore unknown ext: 200", OK200(b"hello"))
case("ch-ext-quoted", req(PE, b"Transfer-Encoding: chunked\r\n", b'5 ;a="x;y\\"z"\r\nhello\r\n0\r\n\r\n'),
     "9112 7.1.1 quoted-string ext, BWS: 200", OK200(b"hello"))
case("ch-size-bad-hex", req(PE, b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n"),
     "invalid chunk framing: reject + close", REJ((400,)))
case("ch-size-overflow", req(PE, b"Transfer-Encoding: chunked\r\n", b"1ffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
     "invalid/too large: reject (400/413) + close", REJ((400, 413)))
case("ch-trailers", req(PE, b"Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\nX-T: a\r\nX-U: b\r\n\r\n"),
     "9112 7.1.2 trailers MAY be discarded: 200", OK200(b"hello"))
case("ch-missing-final-crlf", req(PE, b"Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n"),
     "9112 8 incomplete msg: wait (no response) or error", lambda r: either_if(r["timeout"] or rej4xx(r)))
case("ch-data-too-long", req(PE, b"Transfer-Encoding: chunked\r\n", b"3\r\nhello\r\n0\r\n\r\n"),
     "invalid chunk framing: reject + close", REJ((400,)))
case("ch-bare-lf-size-line", req(PE, b"Transfer-Encoding: chunked\r\n", b"5\nhello\r\n0\r\n\r\n"),
     "9112 2.2 MAY accept LF or reject", EITHER(rej400, lambda r: acc200(r) and r["bodies"][-1] == b"hello"))
# ---- HTTP/1.0, Connection, Expect
case("h10-te-chunked", b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + CH,
     "9112 6.1 1.0+TE: framing faulty, MUST close after", lambda r: ok_if(r["closed"] and len([s for s in r["st"] if s >= 200]) == 1))
case("h10-te-keepalive-pipelined",
     b"POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" + CH + b"GET / HTTP/1.0\r\n\r\n",
     "9112 6.1 MUST close after 1st; never answer 2nd", lambda r: ok_if(r["closed"] and len([s for s in r["st"] if s >= 200]) == 1))
case("h10-keepalive-pipelined", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2,
     "9112 9.3 MAY persist (then say keep-alive) or close", EITHER(
         lambda r: only(r, 200, 200) and r["conn_hdr"][0].lower() == "keep-alive",
         lambda r: only(r, 200) and r["closed"]))
case("h10-default-close-pipelined", b"GET / HTTP/1.0\r\n\r\n" * 2,
     "9112 9.3 MUST close after 1st response", lambda r: ok_if(only(r, 200) and r["closed"]))
case("conn-close-pipelined", req(G, b"Connection: close\r\n") + req(G),
     "9112 9.6 MUST close, MUST NOT process 2nd", lambda r: ok_if(only(r, 200) and r["closed"]))
case("pipeline-3-gets", req(G) + req(b"GET /nope HTTP/1.1") + req(G),
     "9112 9.3.2 MUST answer in order: 200,404,200", lambda r: ok_if(only(r, 200, 404, 200) and not r["closed"]))
case("expect-100-body-withheld",
     None, "9110 10.1.1 SHOULD 100 then final (or final)",
     lambda r: "OK" if only(r, 100, 200) else either_if(only(r, 200)),
     steps=[(req(PE, b"Content-Length: 5\r\nExpect: 100-continue\r\n"), 1.0), (b"hello", 0)],
     sent="POST /echo Expect:100-continue CL:5 <wait 1s> hello")
case("expect-100-no-body", req(G, b"Expect: 100-continue\r\n"),
     "9110 10.1.1 MAY omit 100; final 200", EITHER(lambda r: only(r, 200) or only(r, 100, 200)))
case("expect-100-body-sent", req(PE, b"Content-Length: 5\r\nExpect: 100-continue\r\n", b"hello"),
     "9110 10.1.1 MAY omit 100 when body received", EITHER(lambda r: only(r, 200) or only(r, 100, 200)))
case("expect-unknown", req(G, b"Expect: foo\r\n"),
     "9110 10.1.1 MAY 417, else process", EITHER(lambda r: only(r, 200), lambda r: is_err(r, (417,)) or only(r, 417)))
case("expect-100-http10",
     None, "9110 10.1.1 MUST ignore in 1.0; 15.2 MUST NOT send 1xx to 1.0",
     lambda r: ok_if(100 not in r["st"] and 200 in r["st"]),
     steps=[(b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", 1.0), (b"hello", 0)],
     sent="POST /echo HTTP/1.0 Expect:100-continue CL:5 <wait 1s> hello")

# ---- smuggling
SM = b"GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"
no_smuggle = lambda r: 404 not in r["st"]
def SMUG_REJ(codes=(400,)):
    return lambda r: ok_if(is_err(r, codes) and no_smuggle(r))
body = b"0\r\n\r\n" + SM
case("smug-CL.TE", req(PE, b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(body), body),
     "9112 6.3 reject or TE-only + close; no 2nd answer", SMUG_REJ())
chunk = b"%x\r\n" % len(SM) + SM + b"\r\n0\r\n\r\n"
case("smug-TE.CL", req(PE, b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", chunk),
     "9112 6.3 reject or TE-only + close; no smuggle", SMUG_REJ())
case("smug-TE-space-colon", req(PE, b"Content-Length: 5\r\nTransfer-Encoding : chunked\r\n", b"0\r\n\r\n" + SM),
     "9112 5.1 MUST 400", SMUG_REJ())
case("smug-TE-xchunked", req(PE, b"Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n", b"0\r\n\r\n" + SM),
     "9112 6.3(4) TE w/o final chunked: MUST 400 + close", SMUG_REJ())
case("smug-TE-tab+CL", req(PE, b"Content-Length: 5\r\nTransfer-Encoding:\tchunked\r\n", b"0\r\n\r\n" + SM),
     "HTAB is OWS -> chunked; CL+TE reject/close", SMUG_REJ())
case("smug-TE-tab-pipelined", req(PE, b"Transfer-Encoding:\tchunked\r\n", CH) + req(b"GET /nope HTTP/1.1"),
     "HTAB is OWS -> chunked: 200 then 404", lambda r: ok_if(only(r, 200, 404) and r["bodies"][0] == b"hello"))
case("smug-TE-chunked-identity", req(PE, b"Content-Length: 5\r\nTransfer-Encoding: chunked, identity\r\n", b"0\r\n\r\n" + SM),
     "9112 6.3(4) chunked not final: MUST 400 + close", SMUG_REJ())
case("smug-TE-two-fields", req(PE, b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", b"0\r\n\r\n" + SM),
     "9112 6.3(4) list = chunked, identity: MUST 400", SMUG_REJ())
case("smug-TE-obsfold", req(PE, b"Content-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n", b"0\r\n\r\n" + SM),
     "9112 5.2 obs-fold: 400 (or SP => CL+TE)", SMUG_REJ())
case("smug-h10-CL+TE", b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SM,
     "9112 6.1 faulty framing; close; no smuggle", lambda r: ok_if(r["closed"] and no_smuggle(r)))
case("smug-pipelined-after-CL-body", req(PE, b"Content-Length: 5\r\n", b"hello") + req(b"GET /nope HTTP/1.1"),
     "9112 6.3: 200 echo 'hello', then 404", lambda r: ok_if(only(r, 200, 404) and r["bodies"][0] == b"hello"))
case("smug-chunked-trailer-then-req", req(PE, b"Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\nX: y\r\n\r\n") + req(b"GET /nope HTTP/1.1"),
     "200 echo 'hello', then 404", lambda r: ok_if(only(r, 200, 404) and r["bodies"][0] == b"hello"))
# --------------------------------------------------------------- main
def start_server(path, backend):
    p = subprocess.Popen([path, "--port", "0", "--backend", backend],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    if not line.startswith("listening on"):
        p.kill()
        sys.exit("server did not start: %r" % line)
    port = int(line.split()[2].split(":")[1])
    def drain():
        for l in p.stdout:
            pass
    threading.Thread(target=drain, daemon=True).start()
    return p, port

def fmt_res(r):
    s = ",".join(map(str, r["st"])) or "-"
    if r["timeout"]:
        s += " (timeout)"
    return s

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int)
    ap.add_argument("--server")
    ap.add_argument("--backend", default="ev")
    ap.add_argument("--json")
    ap.add_argument("--only")
    a = ap.parse_args()
    proc, rc = None, 0
    if a.port:
        port = a.port
    elif a.server:
        proc, port = start_server(a.server, a.backend)
    else:
        ap.error("--server or --port is needed")
    results = []
    try:
        for c in CASES:
            if a.only and a.only not in c["name"]:
                continue
            r = run_case(port, c)
            v = c["judge"](r)
            results.append((c, r, v))
            print("%-30s | %-44s | %-16s | %-6s | %-55s | %s" % (
                c["name"], c["sent"][:44], fmt_res(r),
                "closed" if r["closed"] else "open", c["rfc"], v), flush=True)
    finally:
        if proc:
            proc.send_signal(signal.SIGINT)
            try:
                rc = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill(); rc = proc.wait()
            print("server exited rc=%s" % rc)
    dev = [c["name"] for c, r, v in results if v == "DEVIATION"]
    print("\n%d cases, %d DEVIATION: %s" % (len(results), len(dev), ", ".join(dev)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{"name": c["name"], "sent": c["sent"], "rfc": c["rfc"], "verdict": v,
                        **{k: (x if k != "bodies" else [b.decode("latin-1")[:40] for b in x])
                           for k, x in r.items()}} for c, r, v in results], f, indent=1)

    return 1 if dev or rc != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
