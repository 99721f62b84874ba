#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""hostile.py - attack a ringview server the way a hostile peer would, while
a good client keeps asking, and check that the server holds.

usage: hostile.py --server PATH [--backend uring|ev] [--quick]
                  [--attacks NAME,...] [--requests N] [--server-cpu N]
                  [--csv FILE] [--list]

It starts the server itself (PATH is ringview-http or ringview-echo, run with
--port 0 on 127.0.0.1), then for each attack:
  before  the server's RSS, open descriptors and (ringview-http) pool;
  during  the attack runs; a good client sends sequential requests, each on a
          new connection (GET / for ringview-http, a 64-byte echo for
          ringview-echo), and times them;
  after   the attackers close; the server must be back to its descriptors,
          its whole pool and its RSS (within RSS_SLACK) within 5 s, and serve
          the good client again. Its RSS must not have grown by more than
          PEAK_SLACK meanwhile.
Each row: the good client's answers and p99 during the attack, RSS and
descriptors before/peak/after, the pool's lowest free count, the time to
recover, and PASS or FAIL with the reason. Exit status 0 when every attack
passed, 1 otherwise, 2 for bad usage.

--quick runs smaller attacks (for CI, under sanitizers too); the full ones are
what bench/hostile/run-hostile.sh runs.
"""
import argparse
import json
import select
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

RSS_SLACK_KIB = 8 * 1024   # "within a few MiB" of before
# During an attack: 10,000 slowloris connections cost about 10 MiB; a
# server that lets one peer take memory without bound passes this fast.
PEAK_SLACK_KIB = 32 * 1024
RECOVER_S = 5.0
P99_MAX_MS = 1000.0


def now():
    return time.monotonic()


class Server:
    def __init__(self, path, backend, extra, nofile=None, cpu=None):
        self.path = path
        self.http = 'http' in os.path.basename(path)
        args = [path, '--port', '0', '--backend', backend] + extra
        def pre():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=pre)
        line = self.proc.stdout.readline()
        if 'listening on' not in line:
            raise SystemExit('hostile: %s did not start: %s %s' %
                             (path, line, self.proc.stderr.read()))
        self.port = int(line.split(':')[1].split()[0])
        self.log_lines = 0
        # A sanitizer's allocator keeps freed memory in quarantine: RSS
        # says nothing about what the server returns.
        with open('/proc/%d/maps' % self.proc.pid) as f:
            self.sanitized = any('libasan' in l or 'libtsan' in l
                                 for l in f)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for _ in self.proc.stderr:
            self.log_lines += 1

    def rss_kib(self):
        with open('/proc/%d/status' % self.proc.pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return 0

    def fds(self):
        return len(os.listdir('/proc/%d/fd' % self.proc.pid))

    def cpu_s(self):
        with open('/proc/%d/stat' % self.proc.pid) as f:
            parts = f.read().rsplit(')', 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf('SC_CLK_TCK')

    def pool(self):
        """(free, total) from GET /stats, or None (echo, or no answer)."""
        if not self.http:
            return None
        try:
            s = socket.create_connection(('127.0.0.1', self.port), timeout=2)
            s.sendall(b'GET /stats HTTP/1.1\r\nHost: h\r\n\r\n')
            data = recv_response(s)
            s.close()
            body = data.split(b'\r\n\r\n', 1)[1]
            p = json.loads(body)['pool']
            return p['free'], p['total']
        except (OSError, ValueError, KeyError, IndexError):
            return None

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -1, ''
        return self.proc.returncode, out


def recv_response(s):
    """One HTTP response with a Content-Length body (no chunked here)."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError('closed before the response head')
        data += chunk
    head, body = data.split(b'\r\n\r\n', 1)
    length = 0
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'content-length:'):
            length = int(line.split(b':')[1])
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError('closed inside the body')
        body += chunk
    return head + b'\r\n\r\n' + body


def good_request(srv, timeout=2.0):
    """One request on a new connection: its latency in ms, or None."""
    t0 = now()
    try:
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=timeout)
        s.settimeout(max(0.1, timeout - (now() - t0)))
        if srv.http:
            s.sendall(b'GET / HTTP/1.1\r\nHost: h\r\n\r\n')
            if b' 200 ' not in recv_response(s).split(b'\r\n', 1)[0]:
                return None
        else:
            msg = os.urandom(64)
            s.sendall(msg)
            got = b''
            while len(got) < 64:
                chunk = s.recv(64 - len(got))
                if not chunk:
                    return None
                got += chunk
            if got != msg:
                return None
        s.close()
    except OSError:
        return None
    return (now() - t0) * 1000


def p99(values):
    if not values:
        return float('inf')
    v = sorted(values)
    return v[min(len(v) - 1, int(0.99 * len(v)))]


# ---- the attackers -------------------------------------------------------

class Attack:
    """Sockets opened by start(); a thread may keep feeding them until
    stop(), which closes them all."""
    http_only = False
    echo_only = False
    p99_max_ms = P99_MAX_MS   # the good client's, during the attack
    warmup = 0.5   # s between start and the good client

    def __init__(self, srv, quick):
        self.srv, self.quick = srv, quick
        self.socks = []
        self.running = True
        self.thread = None

    def conn(self, rcvbuf=None, nodelay=True):
        s = socket.socket()
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if nodelay:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5)
        s.connect(('127.0.0.1', self.srv.port))
        s.setblocking(False)
        self.socks.append(s)
        return s

    def send(self, s, data):
        try:
            return s.send(data)
        except (BlockingIOError, OSError):
            return 0

    def feed(self):
        """What the background thread does, every few ms, until stop."""

    def _loop(self):
        while self.running:
            self.feed()
            time.sleep(0.005)

    def start(self):
        self.open()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def open(self):
        raise NotImplementedError

    def stop(self):
        self.running = False
        if self.thread:
            self.thread.join()
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.socks = []


class HeadsOneByte(Attack):
    """800 connections each send 1 byte of a request head."""
    http_only = True

    def open(self):
        for _ in range(200 if self.quick else 800):
            self.send(self.conn(), b'G')


class BodyTrickle(Attack):
    """1 connection sends a 1 MB body in 400-byte segments."""
    http_only = True

    def open(self):
        self.s = self.conn()
        self.send(self.s, b'POST /echo HTTP/1.1\r\nHost: h\r\n'
                          b'Content-Length: 1000000\r\n\r\n')
        self.left = 1000000

    def feed(self):
        for _ in range(5):
            if self.left > 0:
                self.left -= self.send(self.s, b'x' * min(400, self.left))


class ChunkTrickle(Attack):
    """1 connection sends chunked data one byte per segment."""
    http_only = True

    def open(self):
        self.s = self.conn()
        self.send(self.s, b'POST /echo HTTP/1.1\r\nHost: h\r\n'
                          b'Transfer-Encoding: chunked\r\n\r\n')
        self.pattern = b'5\r\nhello\r\n'
        self.i = 0

    def feed(self):
        for _ in range(5):
            if self.send(self.s, self.pattern[self.i:self.i + 1]):
                self.i = (self.i + 1) % len(self.pattern)


class PartialBodies(Attack):
    """200 connections each send 64 KiB of a 1 MB body."""
    http_only = True

    def open(self):
        for _ in range(50 if self.quick else 200):
            s = self.conn()
            self.send(s, b'POST /echo HTTP/1.1\r\nHost: h\r\n'
                         b'Content-Length: 1000000\r\n\r\n')
            left = 65536
            while left > 0:
                n = self.send(s, b'y' * left)
                if not n:
                    break
                left -= n


class Slowloris(Attack):
    """2,000 (10,000 full) connections with partial heads, a header line
    every few seconds."""
    http_only = True
    warmup = 1.0

    def open(self):
        n = 500 if self.quick else 10000
        for _ in range(n):
            self.send(self.conn(), b'GET / HTTP/1.1\r\nHost: h\r\n')
        self.next = now() + 2

    def feed(self):
        if now() > self.next:
            for s in self.socks:
                self.send(s, b'X-a: b\r\n')
            self.next = now() + 2


class PostNoRead(Attack):
    """3 connections POST 1 MiB bodies to /echo and never read."""
    http_only = True

    def open(self):
        self.body = b'z' * (1 << 20)
        self.head = (b'POST /echo HTTP/1.1\r\nHost: h\r\n'
                     b'Content-Length: 1048576\r\n\r\n')
        self.out = [self.head + self.body for _ in range(3)]
        for _ in range(3):
            self.conn(rcvbuf=4096)

    def feed(self):
        for i, s in enumerate(self.socks):
            n = self.send(s, self.out[i][:262144])
            self.out[i] = self.out[i][n:] or self.head + self.body


class PipelineNoRead(Attack):
    """20 connections pipeline GET / and never read."""
    http_only = True

    def open(self):
        self.burst = b'GET / HTTP/1.1\r\nHost: h\r\n\r\n' * 256
        for _ in range(20):
            self.conn(rcvbuf=4096)

    def feed(self):
        for s in self.socks:
            self.send(s, self.burst)


class HalfClosedPipelineNoRead(PipelineNoRead):
    """50 half-closed connections that pipeline requests, never read."""

    def open(self):
        self.burst = b'GET / HTTP/1.1\r\nHost: h\r\n\r\n' * 2048
        for _ in range(50):
            s = self.conn(rcvbuf=4096)
            self.send(s, self.burst)
            s.shutdown(socket.SHUT_WR)

    def feed(self):
        pass


class HalfClosedNoRead(Attack):
    """50 connections send a request, half-close, never read."""
    http_only = True

    def open(self):
        for _ in range(50):
            s = self.conn(rcvbuf=4096)
            self.send(s, b'GET / HTTP/1.1\r\nHost: h\r\n\r\n')
            s.shutdown(socket.SHUT_WR)


class Blasters(Attack):
    """8 connections pipeline GET / as fast as they can (and read)."""
    http_only = True
    # Fairness, issue 13: one connection's burst cannot hold the loop.
    p99_max_ms = 50.0

    def open(self):
        # Processes, not threads: a blaster must not wait for the good
        # client's interpreter lock, nor the good client for a blaster's.
        # They run at a lower priority so the good client's latency is
        # the server's, not the load's on a shared core.
        self.pids = []
        burst = b'GET / HTTP/1.1\r\nHost: h\r\n\r\n' * 64
        for _ in range(4 if self.quick else 8):
            pid = os.fork()
            if pid == 0:
                os.nice(10)
                blast(self.srv.port, burst)
                os._exit(0)
            self.pids.append(pid)

    def stop(self):
        for pid in self.pids:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        super().stop()


def blast(port, burst):
    """Pipeline bursts without pause, reading whatever comes back."""
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.setblocking(False)
    pending = b''
    while True:
        if not pending:
            pending = burst
        try:
            pending = pending[s.send(pending):]
        except BlockingIOError:
            pass
        except OSError:
            return
        try:
            while s.recv(1 << 20):
                pass
            return   # closed by the server
        except BlockingIOError:
            pass
        except OSError:
            return
        select.select([s], [s] if pending else [], [], 0.01)


class ExpectNoBody(Attack):
    """400 heads with Expect: 100-continue whose body never comes."""
    http_only = True

    def open(self):
        for _ in range(400):
            self.send(self.conn(), b'POST /echo HTTP/1.1\r\nHost: h\r\n'
                                   b'Content-Length: 10\r\n'
                                   b'Expect: 100-continue\r\n\r\n')


class EchoNoRead(Attack):
    """3 connections stream to ringview-echo and never read."""
    echo_only = True

    def open(self):
        self.data = b'e' * 65536
        for _ in range(3):
            self.conn(rcvbuf=4096)

    def feed(self):
        for s in self.socks:
            self.send(s, self.data)


class ZeroWindow(EchoNoRead):
    """3 zero-window readers: the smallest receive buffer, never read."""

    def open(self):
        self.data = b'w' * 65536
        for _ in range(3):
            self.conn(rcvbuf=1)


class ResetChurn(Attack):
    """connect / partial request / RST cycles (SO_LINGER 0), all along."""
    warmup = 0.2

    def open(self):
        self.cycles = 0
        self.limit = 5000 if self.quick else 100000

    def feed(self):
        for _ in range(50):
            if self.cycles >= self.limit:
                return
            try:
                s = socket.create_connection(('127.0.0.1', self.srv.port),
                                             timeout=2)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b'\x01\x00\x00\x00\x00\x00\x00\x00')
                s.send(b'GET / HTTP/1.1\r\nHo')
                s.close()
            except OSError:
                pass
            self.cycles += 1


ATTACKS = {
    'heads_1byte': HeadsOneByte, 'body_trickle': BodyTrickle,
    'chunk_trickle': ChunkTrickle, 'partial_bodies': PartialBodies,
    'slowloris': Slowloris, 'post_noread': PostNoRead,
    'pipeline_noread': PipelineNoRead, 'blasters': Blasters,
    'halfclosed_noread': HalfClosedNoRead,
    'halfclosed_pipeline_noread': HalfClosedPipelineNoRead,
    'expect_nobody': ExpectNoBody, 'reset_churn': ResetChurn,
    'echo_noread': EchoNoRead, 'zero_window': ZeroWindow,
}


def run_attack(srv, name, cls, quick, requests):
    base = (srv.rss_kib(), srv.fds(), srv.pool())
    a = cls(srv, quick)
    a.start()
    time.sleep(a.warmup)
    lat, failed = [], 0
    peak_rss, peak_fds, min_free = base[0], base[1], None
    for _ in range(requests):
        ms = good_request(srv)
        if ms is None:
            failed += 1
        else:
            lat.append(ms)
        peak_rss = max(peak_rss, srv.rss_kib())
        peak_fds = max(peak_fds, srv.fds())
        time.sleep(0.05)
    p = srv.pool()
    if p:
        min_free = p[0]
    a.stop()
    # Back to where it was, within RECOVER_S.
    t0 = now()
    while True:
        rss, fds, pool = srv.rss_kib(), srv.fds(), srv.pool()
        ok_fds = fds <= base[1]
        # /stats itself holds the buffer its request came in.
        ok_pool = pool is None or pool[0] >= pool[1] - 1
        ok_rss = srv.sanitized or rss <= base[0] + RSS_SLACK_KIB
        if (ok_fds and ok_pool and ok_rss) or now() - t0 > RECOVER_S:
            break
        time.sleep(0.1)
    recover = now() - t0
    after_ok = good_request(srv) is not None
    why = []
    if failed:
        why.append('%d of %d unanswered' % (failed, requests))
    # A sanitizer or the small quick attacks are not for timing fairness.
    p99_max = P99_MAX_MS if quick or srv.sanitized else a.p99_max_ms
    if p99(lat) > p99_max:
        why.append('p99 %.0f ms > %.0f' % (p99(lat), p99_max))
    if not ok_fds:
        why.append('fds %d > %d' % (fds, base[1]))
    if not ok_pool:
        why.append('pool %d/%d free' % pool)
    if not ok_rss:
        why.append('RSS +%d KiB' % (rss - base[0]))
    if not srv.sanitized and peak_rss > base[0] + PEAK_SLACK_KIB:
        why.append('RSS peak +%d KiB' % (peak_rss - base[0]))
    if not after_ok:
        why.append('no answer after')
    return {
        'attack': name, 'served': len(lat), 'asked': requests,
        'p99_ms': p99(lat), 'rss_before': base[0], 'rss_peak': peak_rss,
        'rss_after': rss, 'fds_before': base[1], 'fds_peak': peak_fds,
        'fds_after': fds, 'min_free': min_free,
        'pool_total': pool[1] if pool else None, 'recover_s': recover,
        'verdict': 'PASS' if not why else 'FAIL: ' + '; '.join(why),
    }


def run_emfile(path, backend, quick):
    """The server at its descriptor limit: no spinning, bounded logging,
    and served again once the attackers leave."""
    srv = Server(path, backend, [], nofile=64)
    socks = []
    try:
        for _ in range(100):
            try:
                socks.append(socket.create_connection(
                    ('127.0.0.1', srv.port), timeout=1))
            except OSError:
                break
        cpu0, logs0, t0 = srv.cpu_s(), srv.log_lines, now()
        time.sleep(2)
        cpu = (srv.cpu_s() - cpu0) / (now() - t0)
        logs = srv.log_lines - logs0
        for s in socks:
            s.close()
        time.sleep(0.5)
        ok = good_request(srv, timeout=5) is not None
    finally:
        rc, _ = srv.stop()
    why = []
    if cpu > 0.2:
        why.append('CPU %.0f%% at the limit' % (cpu * 100))
    if logs > 10:
        why.append('%d log lines in 2 s' % logs)
    if not ok:
        why.append('no answer after')
    return {'attack': 'emfile', 'served': int(ok), 'asked': 1,
            'p99_ms': 0, 'rss_before': 0, 'rss_peak': 0, 'rss_after': 0,
            'fds_before': 0, 'fds_peak': 0, 'fds_after': 0,
            'min_free': None, 'pool_total': None, 'recover_s': 0,
            'cpu_at_limit': cpu, 'log_lines': logs,
            'verdict': 'PASS' if not why else 'FAIL: ' + '; '.join(why)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--server', required=False)
    ap.add_argument('--backend', default='uring')
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--attacks', default='')
    ap.add_argument('--requests', type=int, default=0)
    ap.add_argument('--csv')
    ap.add_argument('--server-cpu', type=int,
                    help='pin the server to this CPU (run the rest elsewhere)')
    ap.add_argument('--list', action='store_true')
    args = ap.parse_args()
    if args.list:
        for n, c in ATTACKS.items():
            print('%-28s %s' % (n, c.__doc__.split('\n')[0]))
        print('%-28s %s' % ('emfile', run_emfile.__doc__.split('\n')[0]))
        return 0
    if not args.server:
        ap.error('--server is required')
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    http = 'http' in os.path.basename(args.server)
    names = [n for n in (args.attacks.split(',') if args.attacks
                         else list(ATTACKS) + ['emfile']) if n]
    requests = args.requests or (8 if args.quick else 20)
    rows = []
    srv = Server(args.server, args.backend, [], cpu=args.server_cpu)
    try:
        for name in names:
            if name == 'emfile':
                continue
            cls = ATTACKS.get(name)
            if not cls:
                print('hostile: no attack %r (--list)' % name,
                      file=sys.stderr)
                return 2
            if (cls.http_only and not http) or (cls.echo_only and http):
                continue
            rows.append(run_attack(srv, name, cls, args.quick, requests))
            r = rows[-1]
            print('%-28s served %2d/%-2d p99 %7.1f ms  RSS %6d/%6d/%6d KiB  '
                  'fds %4d/%5d/%4d  pool min free %4s  recovered %.1f s  %s'
                  % (r['attack'], r['served'], r['asked'], r['p99_ms'],
                     r['rss_before'], r['rss_peak'], r['rss_after'],
                     r['fds_before'], r['fds_peak'], r['fds_after'],
                     r['min_free'], r['recover_s'], r['verdict']),
                  flush=True)
    finally:
        rc, out = srv.stop()
    final_ok = rc == 0
    print('server exit %d; final stats: %s' %
          (rc, (out.strip().splitlines() or [''])[-1]))
    if srv.sanitized:
        print('RSS not checked: a sanitizer build (its allocator keeps '
              'freed memory)')
    if 'emfile' in names:
        r = run_emfile(args.server, args.backend, args.quick)
        rows.append(r)
        print('%-28s CPU at the limit %.0f%%, %d log lines in 2 s  %s' %
              ('emfile', r['cpu_at_limit'] * 100, r['log_lines'],
               r['verdict']), flush=True)
    if args.csv:
        keys = []
        for r in rows:
            keys += [k for k in r if k not in keys]
        with open(args.csv, 'w') as f:
            f.write(','.join(keys) + '\n')
            for r in rows:
                f.write(','.join(str(r.get(k, '')) for k in keys) + '\n')
    failed = [r for r in rows if r['verdict'] != 'PASS']
    print('%d of %d attacks held%s' % (len(rows) - len(failed), len(rows),
          '' if final_ok else '; the server did not exit cleanly'))
    return 0 if not failed and final_ok else 1


if __name__ == '__main__':
    sys.exit(main())
