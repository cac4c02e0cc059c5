#!/usr/bin/env python3
"""Hostile requests against a running `jointly serve` (issue 9, "Safe to expose").

    hostile.py --port P --pid PID --tokens FILE [--nginx-port NP] [--jointly BIN --policies DIR
               --tmp DIR] [--only corpus,slowloris,...] [--max-rss-mb N] [--quick] [--list]

tests/hostile/run.sh starts the server (and nginx in front of it) and runs this. The corpus
(tests/hostile/cases.py) sends each case on a fresh connection, times it, checks its status
and error codes, then checks the server is alive, reads its RSS and sends one fixed valid
request whose answer must be byte-identical to the one before the corpus. Then the separate
tests: slowloris, header flood, pipelining, chunked through nginx, a second instance on the
same port. Prints one line per failure, the peak RSS, and last `hostile: N passed, M failed`.
Exit status 1 on any failure. Standard library only.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as corpus  # noqa: E402
from httpraw import alive, build, exchange, read_tokens, rss_kib, HOST  # noqa: E402

TESTS = ("corpus", "corpus-nginx", "pipelining", "slowloris", "header-flood", "chunked-nginx", "second-instance")


class Run:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        self.pid = args.pid
        self.tokens = read_tokens(args.tokens)
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.peak_rss = rss_kib(self.pid) or 0
        self.slowest = (0.0, "")
        self.canary_before = None
        self.rss_over = False

    def fail(self, name, why):
        self.failed += 1
        self.failures.append(name)
        print(f"FAIL {name}: {why}", flush=True)

    def ok(self, name, note=""):
        self.passed += 1
        if self.args.verbose or note:
            print(f"ok   {name}{': ' + note if note else ''}", flush=True)

    def info(self, text):
        print(f"info {text}", flush=True)

    def rss(self):
        r = rss_kib(self.pid)
        if r is not None:
            self.peak_rss = max(self.peak_rss, r)
        return r

    # The fixed valid request of every check, and its answer.
    def canary(self, port=None):
        port = port or self.port
        head = build("POST", "/v1/evaluate", [corpus.JSON], corpus.T.encode(), host=f"127.0.0.1:{port}")
        out = exchange(port, head, corpus.T.encode(), timeout=5.0)
        if not out.responses:
            return None
        r = out.responses[0]
        return r.status, [(k, v) for k, v in r.headers if k not in ("date", "connection", "keep-alive", "x-request-id", "x-jointly-request-id")], r.body

    def check_server(self):
        """None when the server is alive, within its RSS bound and answers the canary as before."""
        if not alive(self.pid):
            return "the server process is gone"
        r = self.rss()
        if r is not None and r > self.args.max_rss_mb * 1024 and not self.rss_over:
            self.rss_over = True  # said once, by the case that crossed the bound, and at the end
            return f"server RSS {r // 1024} MiB is over {self.args.max_rss_mb} MiB"
        c = self.canary()
        if c is None:
            return "the fixed valid request got no answer"
        if c != self.canary_before:
            return f"the fixed valid request was answered differently: status {c[0]}, {len(c[2])} bytes " \
                   f"(before: {self.canary_before[0]}, {len(self.canary_before[2])} bytes)"
        return None

    def auth_value(self, auth):
        if auth is None:
            return None
        if auth.startswith("="):
            return self.subst(auth[1:])
        return "Bearer " + self.tokens[auth]

    def subst(self, text):
        for role in ("author", "panel", "client"):
            text = text.replace("{" + role + "}", self.tokens.get(role, ""))
        return text.replace("{author_prefix}", self.tokens["author"][:-1])


def store_decision(run):
    head = build("POST", "/v1/decisions", [corpus.JSON, ("Authorization", run.auth_value("client"))],
                 json.dumps(corpus.ONE_LINE).encode(), host=f"127.0.0.1:{run.port}")
    out = exchange(run.port, head, json.dumps(corpus.ONE_LINE).encode(), timeout=5.0)
    if not out.responses or out.responses[0].status != 201:
        st = out.responses[0].status if out.responses else out.error
        run.info(f"could not store a decision for the panel cases ({st}); using a made-up id")
        return "d-0000000000000001"
    return json.loads(out.responses[0].body)["decision_id"]


def judge(run, case, out):
    """None when the answer is what the case expects, else why not."""
    if not out.responses:
        what = "closed without an answer" if out.closed else (out.error or "no answer")
        if out.truncated:
            what = "answer larger than the read limit"
        return f"{what} after {out.elapsed:.2f} s" + (f" (send: {out.send_error})" if out.send_error else "")
    r = out.responses[0]
    want = case["status"] if isinstance(case["status"], tuple) else (case["status"],)
    body_text = r.body[:300].decode("utf-8", "replace")
    err = None
    try:
        doc = json.loads(r.body) if r.body else None
        err = doc.get("error") if isinstance(doc, dict) else None
    except ValueError:
        doc = None
    got = f"{r.status}" + (f" {err.get('code')}" if isinstance(err, dict) else "")
    if r.status not in want:
        return f"status {got}, expected {'/'.join(map(str, want[:4]))}{'…' if len(want) > 4 else ''}: {body_text}"
    if out.elapsed > case.get("max_s", 3.0):
        return f"answered {r.status} but after {out.elapsed:.2f} s (limit {case.get('max_s', 3.0)} s)"
    if case.get("code") and (not isinstance(err, dict) or err.get("code") != case["code"]):
        return f"status {got}, expected error.code {case['code']}: {body_text}"
    if case.get("detail"):
        dcode, dpath = case["detail"]
        details = err.get("details", []) if isinstance(err, dict) else []
        codes = dcode if isinstance(dcode, tuple) else (dcode,)
        match = [d for d in details if isinstance(d, dict) and (dcode is None or d.get("code") in codes)
                 and (dpath is None or d.get("path") == dpath)]
        if not match:
            have = ", ".join(f"{d.get('code')} at {d.get('path')!r}" for d in details if isinstance(d, dict))
            want_code = "/".join(codes) if dcode else "*"
            return f"status {got}, expected a detail {want_code} at {dpath or '*'}; details: [{have[:300]}]"
    if case.get("batch_detail"):
        i, st, dcode, dpath = case["batch_detail"]
        try:
            item = doc["results"][i]
            ok = item.get("status") == st and any(d.get("code") == dcode and d.get("path") == dpath
                                                  for d in item["error"]["details"])
        except (KeyError, IndexError, TypeError, AttributeError):
            ok = False
        if not ok:
            return f"batch result {i} is not a {st} with {dcode} at {dpath}: {body_text}"
    if case.get("allow"):
        allow = {m.strip().upper() for m in (r.header("allow") or "").split(",")}
        missing = [m for m in case["allow"] if m not in allow]
        if missing:
            return f"status {r.status}, Allow {r.header('allow')!r} lacks {', '.join(missing)}"
    if case.get("no_acao") and r.header("access-control-allow-origin") is not None:
        return f"carries Access-Control-Allow-Origin: {r.header('access-control-allow-origin')}"
    if case.get("max_body") and len(r.body) > case["max_body"]:
        return f"answer body of {len(r.body)} bytes is over {case['max_body']}"
    return None


# Through nginx, cases about HTTP framing and header limits meet nginx's own answers (its 400,
# 411, 413, 415 pages): only the cases about the API itself are sent through it again.
NGINX_SKIP = ("headers-", "cookie-", "content-encoding-", "unknown-route /%00", "trace")


def run_corpus(run, port=None):
    via = port is not None
    port = port or run.port
    ctx = {"port": port, "decision_id": store_decision(run)}
    all_cases = corpus.build_cases(ctx)
    if via:
        all_cases = [dict(c, name=c["name"] + " via nginx") for c in all_cases
                     if not c.get("raw") and not c["name"].startswith(NGINX_SKIP)]
    names = [c["name"] for c in all_cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise SystemExit(f"duplicate case names: {sorted(dupes)}")
    if run.args.list:
        for c in all_cases:
            print(c["name"])
        return
    label = "corpus via nginx" if via else "corpus"
    run.info(f"{label}: {len(all_cases)} cases")
    host = f"127.0.0.1:{port}"
    for case in all_cases:
        name = case["name"]
        if case.get("raw"):
            head = run.subst(case["head"]).encode("latin-1")
        else:
            headers = list(case["headers"])
            a = run.auth_value(case.get("auth"))
            if a is not None:
                headers.append(("Authorization", a))
            head = build(case["method"], case["path"], headers,
                         case["body"] if not callable(case["body"]) else None, host=host)
        body = case["body"]() if callable(case["body"]) else case["body"]
        limit = case.get("max_s", 3.0)
        try:
            out = exchange(port, head, body, timeout=limit + 3.0,
                           max_read=case.get("read_limit") or case.get("max_body", 1 << 20) * 2 + 65536)
        except OSError as e:
            run.fail(name, f"could not connect: {e}")
            if not alive(run.pid):
                break
            continue
        if out.elapsed > run.slowest[0] and out.responses:
            run.slowest = (out.elapsed, name)
        why = judge(run, case, out)
        problem = run.check_server()
        if problem:
            why = (why + "; " if why else "") + "after it: " + problem
        if why:
            run.fail(name, why)
        else:
            run.ok(name)
        if not alive(run.pid):
            run.fail("corpus", f"the server died at case {name}; {len(all_cases) - all_cases.index(case) - 1} "
                               "cases not run")
            break
    run.info(f"{label}: slowest answer so far {run.slowest[0]:.3f} s ({run.slowest[1]}); "
             f"server RSS now {(run.rss() or 0) // 1024} MiB")


def probe(port, path="/healthz", timeout=3.0):
    """Latency of one fresh GET, or None when it was not answered within timeout."""
    try:
        out = exchange(port, build("GET", path, [], host=f"127.0.0.1:{port}"), timeout=timeout)
    except OSError:
        return None
    return out.elapsed if out.responses and out.responses[0].status == 200 else None


def slowloris(run, port, through_nginx, seconds=15.0, conns=40):
    """conns connections each sending one header byte a second; a normal request every 0.5 s."""
    label = "slowloris via nginx" if through_nginx else "slowloris direct"
    socks = []
    for _ in range(conns):
        try:
            s = socket.create_connection((HOST, port), timeout=2.0)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            break
    opened = len(socks)
    closed_at = {}
    latencies, missed = [], 0
    start = time.monotonic()
    next_tick = start
    payload = b"X-Slow-Header-Name-" + b"a" * 200
    i = 0
    try:
        while time.monotonic() - start < seconds and len(closed_at) < opened:
            now = time.monotonic()
            if now >= next_tick:
                for k, s in enumerate(socks):
                    if k in closed_at:
                        continue
                    try:
                        s.recv(4096)  # EOF, or an answer (408/400): the server gave up on it
                        closed_at[k] = now - start
                        continue
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed_at[k] = now - start
                        continue
                    try:
                        s.send(payload[i % len(payload):i % len(payload) + 1])
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed_at[k] = now - start
                i += 1
                next_tick += 1.0
            lat = probe(port, timeout=3.0)
            if lat is None:
                missed += 1
            else:
                latencies.append(lat)
            time.sleep(max(0.0, min(0.5, next_tick - time.monotonic())))
    finally:
        for s in socks:
            s.close()
    worst = max(latencies) if latencies else None
    summary = (f"{opened} slow connections; {len(closed_at)} closed by the server"
               + (f" (first at {min(closed_at.values()):.1f} s, last at {max(closed_at.values()):.1f} s)"
                  if closed_at else "")
               + f"; normal requests meanwhile: {len(latencies)} answered"
               + (f" (slowest {worst * 1000:.0f} ms)" if worst is not None else "")
               + f", {missed} not answered within 3 s")
    if not through_nginx:
        run.info(f"{label} (informational): {summary}")
        run.ok(label)
        return
    problems = []
    if missed or (worst is not None and worst > 1.0) or not latencies:
        problems.append("a normal request was not answered within 1 s")
    if len(closed_at) < opened:
        problems.append(f"nginx left {opened - len(closed_at)} slow connections open after {seconds:.0f} s")
    if opened < conns:
        problems.append(f"only {opened} of {conns} connections could be opened")
    if problems:
        run.fail(label, "; ".join(problems) + "; " + summary)
    else:
        run.ok(label, summary)


def pipelining(run, port, through_nginx):
    label = "pipelining via nginx" if through_nginx else "pipelining direct"
    host = f"127.0.0.1:{port}"
    data = (build("GET", "/healthz", [], host=host, close=False) +
            build("GET", "/v1/policies", [], host=host, close=False) +
            build("GET", "/v1/no-such-route", [], host=host, close=True))
    timeout = 10.0
    out = exchange(port, data, timeout=timeout, expect=3)
    got = [r.status for r in out.responses]
    in_order = (got == [200, 200, 404] and b'"status"' in out.responses[0].body
                and b'"generation"' in out.responses[1].body)
    hang = len(got) < 3 and not out.closed
    summary = f"{len(got)} of 3 answered {got} in {out.elapsed:.2f} s" + (
        ", then the connection was closed" if out.closed and len(got) < 3 else "")
    if through_nginx:
        if not in_order:
            run.fail(label, f"expected 200, 200, 404 in order: {summary}")
        else:
            run.ok(label, summary)
    else:
        if hang:
            run.fail(label, f"hung: {summary}, connection still open after {timeout:.0f} s")
        elif len(got) and not in_order and len(got) == 3:
            run.fail(label, f"answered out of order or wrongly: {summary}")
        else:
            run.ok(label, f"(informational) {summary}")


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def settle(run, limit=30.0):
    """Wait (at most `limit` s) until jointly uses no CPU for 0.5 s: work a timed-out case left
    running must not be counted against the next test. Returns the seconds waited."""
    start = time.monotonic()
    last = cpu_ticks(run.pid)
    quiet_since = time.monotonic()
    while time.monotonic() - start < limit and last is not None:
        time.sleep(0.1)
        now = cpu_ticks(run.pid)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= 0.5:
            break
    return time.monotonic() - start


def header_flood(run, nport):
    waited = settle(run)
    busy = ""
    if waited > 1.0:
        run.info(f"header-flood: waited {waited:.1f} s for jointly to finish earlier work")
    if waited >= 29.0:
        busy = " (jointly was still busy with work left by earlier cases, so part of this may be theirs)"
    before = run.rss() or 0
    host = f"127.0.0.1:{nport}"
    problems, notes = [], []
    for tag, headers in (("10000 headers", [(f"X-H{i}", "v") for i in range(10000)]),
                         ("1 MiB header line", [("X-Big", "a" * (1 << 20))]),
                         ("100000 headers", [(f"X-H{i}", "v" * 8) for i in range(100000)])):
        out = exchange(nport, build("GET", "/healthz", headers, host=host), timeout=5.0)
        st = out.responses[0].status if out.responses else None
        notes.append(f"{tag}: {st if st else 'closed' if out.closed else out.error} in {out.elapsed:.2f} s")
        if st not in (400, 413, 431, 494) or out.elapsed > 2.0:
            problems.append(f"{tag} answered {st} ({out.error or ''}) in {out.elapsed:.2f} s")
    after = run.rss() or 0
    notes.append(f"jointly RSS {before // 1024} -> {after // 1024} MiB")
    if after - before > run.args.flood_rss_mb * 1024:
        problems.append(f"jointly RSS grew by {(after - before) // 1024} MiB{busy}")
    if problems:
        run.fail("header-flood via nginx", "; ".join(problems) + "; " + "; ".join(notes))
    else:
        run.ok("header-flood via nginx", "; ".join(notes))


def chunked_nginx(run, nport):
    host = f"127.0.0.1:{nport}"
    t = corpus.T.encode()
    body = b"".join(b"%x\r\n" % len(t[i:i + 100]) + t[i:i + 100] + b"\r\n" for i in range(0, len(t), 100)) + \
        b"0\r\n\r\n"
    head = build("POST", "/v1/evaluate", [corpus.JSON, ("Transfer-Encoding", "chunked")], None, host=host)
    out = exchange(nport, head, body, timeout=5.0)
    r = out.responses[0] if out.responses else None
    if r is None or r.status != 200 or r.body != run.canary_before[2]:
        run.fail("chunked via nginx", f"a valid chunked evaluate answered {r.status if r else out.error}, "
                                      f"expected 200 and the same body as unchunked")
    else:
        run.ok("chunked via nginx")

    def two_mb():
        piece = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
        for _ in range(32):
            yield piece
        yield b"0\r\n\r\n"

    out = exchange(nport, head, two_mb(), timeout=5.0)
    st = out.responses[0].status if out.responses else None
    if st != 413:
        run.fail("chunked 2 MiB via nginx", f"answered {st or out.error}, expected 413")
    else:
        run.ok("chunked 2 MiB via nginx")
    # what the proxy passes on must still meet jointly's own checks
    for name, headers, want in (
            ("gzip via nginx", [corpus.JSON, ("Content-Encoding", "gzip")], 415),
            ("same origin via nginx", [corpus.JSON, ("Origin", f"http://{host}")], 200),
            ("evil origin via nginx", [corpus.JSON, ("Origin", "http://evil.example")], 403),
            ("text/plain via nginx", [corpus.TEXT], 415)):
        out = exchange(nport, build("POST", "/v1/evaluate", headers, t, host=host), t, timeout=5.0)
        st = out.responses[0].status if out.responses else None
        if st != want:
            run.fail(name, f"answered {st or out.error}, expected {want}")
        else:
            run.ok(name)


def second_instance(run):
    a = run.args
    if not (a.jointly and a.policies and a.tmp):
        run.info("second-instance: needs --jointly, --policies and --tmp; skipped")
        return
    cmd = [a.jointly, "serve", "--policies", a.policies, "--db", os.path.join(a.tmp, "second.db"),
           "--port", str(run.port), "--tokens", a.tokens]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=5.0)
        took = time.monotonic() - start
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        run.fail("second instance on the same port", f"still running after 5 s (killed); stdout {out[:200]!r}")
        return
    text = err.decode("utf-8", "replace")
    mentions = str(run.port) in text or "in use" in text.lower()
    problems = []
    if p.returncode == 0:
        problems.append("exited 0")
    if not mentions:
        problems.append(f"stderr does not mention the port or 'in use': {text.strip()[:200]!r}")
    if run.canary() != run.canary_before:
        problems.append("the first instance no longer answers the fixed request as before")
    if problems:
        run.fail("second instance on the same port", "; ".join(problems))
    else:
        run.ok("second instance on the same port",
               f"exit {p.returncode} in {took:.2f} s: {text.strip().splitlines()[-1][:160] if text.strip() else ''}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True, help="jointly's port")
    ap.add_argument("--pid", type=int, required=True, help="jointly's process id")
    ap.add_argument("--tokens", required=True, help="the tokens file jointly was started with")
    ap.add_argument("--nginx-port", type=int, help="nginx in front of jointly (skip its tests without)")
    ap.add_argument("--jointly", help="the jointly binary (second-instance test)")
    ap.add_argument("--policies", help="the policy directory (second-instance test)")
    ap.add_argument("--tmp", help="a scratch directory (second-instance test)")
    ap.add_argument("--only", default=",".join(TESTS), help="comma-separated: " + ", ".join(TESTS))
    ap.add_argument("--max-rss-mb", type=int, default=256, help="fail when jointly's RSS exceeds this")
    ap.add_argument("--flood-rss-mb", type=int, default=8, help="allowed RSS growth in the header flood")
    ap.add_argument("--quick", action="store_true", help="shorter slowloris")
    ap.add_argument("--list", action="store_true", help="list the corpus case names and exit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(TESTS)
    if unknown:
        ap.error(f"unknown test(s): {', '.join(sorted(unknown))}")
    run = Run(args)
    if not alive(run.pid):
        print(f"hostile: process {run.pid} is not running")
        return 1
    run.canary_before = run.canary()
    if run.canary_before is None or run.canary_before[0] != 200:
        print(f"hostile: the fixed valid request is not answered 200 before the corpus: {run.canary_before}")
        return 1
    if args.list:
        run_corpus(run)
        return 0
    run.info(f"jointly pid {run.pid} port {run.port}, RSS at start {run.peak_rss // 1024} MiB")
    if "corpus" in only:
        run_corpus(run)
    if "corpus-nginx" in only and args.nginx_port:
        run_corpus(run, args.nginx_port)
    waited = settle(run)
    if waited > 1.0:
        run.info(f"waited {waited:.1f} s for jointly to finish work left by timed-out cases")
    if "pipelining" in only:
        pipelining(run, run.port, False)
        if args.nginx_port:
            pipelining(run, args.nginx_port, True)
    if "header-flood" in only and args.nginx_port:
        header_flood(run, args.nginx_port)
    if "chunked-nginx" in only and args.nginx_port:
        chunked_nginx(run, args.nginx_port)
    if "slowloris" in only:
        secs = 12.0 if args.quick else 15.0
        slowloris(run, run.port, False, seconds=6.0 if args.quick else 10.0)
        # let jointly drop what the direct run left behind before measuring through nginx
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and probe(run.port, timeout=1.0) is None:
            pass
        if args.nginx_port:
            slowloris(run, args.nginx_port, True, seconds=secs)
    if "second-instance" in only:
        second_instance(run)
    if not args.nginx_port:
        run.info("no nginx: the corpus, pipelining, slowloris, header-flood and chunked tests through nginx "
                 "were skipped")
    problem = run.check_server()
    if problem:
        run.fail("server at the end", problem)
    if run.peak_rss > args.max_rss_mb * 1024:
        run.fail("peak RSS", f"jointly's RSS reached {run.peak_rss // 1024} MiB; the bound is {args.max_rss_mb} MiB")
    print(f"peak RSS of jointly: {run.peak_rss // 1024} MiB ({run.peak_rss} KiB)")
    print(f"hostile: {run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
