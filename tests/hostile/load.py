#!/usr/bin/env python3
"""Bounded load test: tests/hostile/load.py PORT [SECONDS] [CONNECTIONS] [--pid PID] [--tokens FILE]

CONNECTIONS threads (default 64), each with one keep-alive HTTP/1.1 connection
(http.client.HTTPConnection), alternate POST /v1/evaluate and POST /v1/decisions with
examples/requests/post-op.json for SECONDS (default 60), with the `client` token of the tokens
file (storing needs one whatever --open-evaluation says). Prints requests, errors, requests/s,
p50/p99/max latency and the server's RSS before and after (with --pid). The numbers are
informational (Python's GIL makes the client slow; it still holds CONNECTIONS concurrent
connections open); the exit status is 1 if any request failed (a non-2xx answer or a socket
error). When the server closes an idle keep-alive connection, the next request is sent on a
new one: that counts as a reconnect, not an error, if the old connection failed before any
byte of an answer (as browsers and HTTP client libraries do).
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpraw import read_tokens, repo_root, rss_kib  # noqa: E402


def request_body():
    path = os.path.join(repo_root(), "examples", "requests", "post-op.json")
    if os.path.exists(path):
        doc = json.load(open(path))
    else:  # the reference request of the tests
        import cases
        doc = dict(cases.BASE)
    doc.setdefault("policy", "reference")  # several policies are loaded: name it
    return json.dumps(doc).encode()


def worker(port, body, token, stop_at, index, out, lock):
    lat, errors, reconnects, counts = [], [], 0, {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    n = index  # threads start on alternate routes
    fresh = True
    while time.monotonic() < stop_at:
        path = "/v1/evaluate" if n % 2 == 0 else "/v1/decisions"
        t0 = time.monotonic()
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            dt = time.monotonic() - t0
            if resp.status // 100 != 2:
                errors.append(f"{path}: {resp.status} {data[:120]!r}")
            else:
                lat.append(dt)
                counts[path] = counts.get(path, 0) + 1
            fresh = False
            if resp.will_close:
                conn.close()
                fresh = True
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
            conn.close()
            if not fresh:  # an idle keep-alive connection the server had closed: retry on a new one
                reconnects += 1
                fresh = True
                continue
            errors.append(f"{path}: {type(e).__name__}: {e}")
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            fresh = True
            errors.append(f"{path}: {type(e).__name__}: {e}")
        n += 1
    conn.close()
    with lock:
        out["lat"].extend(lat)
        out["errors"].extend(errors)
        out["reconnects"] += reconnects
        for k, v in counts.items():
            out["counts"][k] = out["counts"].get(k, 0) + v


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int)
    ap.add_argument("seconds", type=float, nargs="?", default=60.0)
    ap.add_argument("connections", type=int, nargs="?", default=64)
    ap.add_argument("--pid", type=int, help="the server's process id, for its RSS")
    ap.add_argument("--tokens", help="the tokens file jointly was started with (its `client` token is sent)")
    args = ap.parse_args()
    if not (0 < args.seconds <= 600 and 0 < args.connections <= 1024):
        ap.error("seconds must be in (0, 600] and connections in (0, 1024]")
    body = request_body()
    token = read_tokens(args.tokens).get("client") if args.tokens else None
    rss_before = rss_kib(args.pid) if args.pid else None
    out = {"lat": [], "errors": [], "reconnects": 0, "counts": {}}
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + args.seconds
    threads = [threading.Thread(target=worker, args=(args.port, body, token, stop_at, i, out, lock), daemon=True)
               for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, stop_at - time.monotonic()) + 30)
    elapsed = time.monotonic() - start
    stuck = sum(t.is_alive() for t in threads)
    rss_after = rss_kib(args.pid) if args.pid else None
    lat = sorted(out["lat"])
    n = len(lat)
    errors = out["errors"]
    print(f"load: {args.connections} connections, {args.seconds:.0f} s, POST /v1/evaluate and /v1/decisions mixed")
    print(f"load: {n + len(errors)} requests ({', '.join(f'{k} {v}' for k, v in sorted(out['counts'].items()))}), "
          f"{len(errors)} errors, {out['reconnects']} reconnects, {n / elapsed:.0f} requests/s")
    if n:
        print(f"load: latency p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms")
    if args.pid:
        fmt = lambda r: f"{r // 1024} MiB" if r is not None else "gone"  # noqa: E731
        print(f"load: server RSS before {fmt(rss_before)}, after {fmt(rss_after)}")
    for e in errors[:10]:
        print(f"load: error {e}")
    if stuck:
        print(f"load: {stuck} connections still waiting for an answer 30 s after the end")
    failed = bool(errors) or stuck or n == 0 or (args.pid and rss_after is None)
    print("load: FAILED" if failed else "load: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
