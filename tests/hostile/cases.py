"""The hostile-request corpus: every case as data.

A case is a dict:
  name      unique, short
  method    "POST", "GET", ... (any bytes for a malformed request line: see `raw`)
  path      the request target
  headers   list of (name, value); Host and (unless `raw`) Content-Length and
            `Connection: close` are added; `auth` adds the bearer token of a role
  auth      None, "client", "panel", "author", or a literal Authorization value ("=...")
  body      bytes, or a zero-argument callable returning an iterable of bytes (large bodies)
  raw       True: bytes are sent exactly as given by `head` (a callable taking the context)
            and `body`; nothing is added
  status    the expected status: an int or a tuple of ints
  code      the expected `error.code` (or None not to check)
  detail    (code, path): some entry of `error.details` has this code and this path
            (either may be None: not checked)
  allow     methods the `Allow` header must list
  no_acao   the answer must not carry Access-Control-Allow-Origin
  max_s     seconds the answer may take (default 3)
  max_body  bytes the answer body may hold
  read_limit  bytes read of the answer before giving up (default 2 x max_body or 2 MiB)

Expectations are those of issue 9 ("Safe to expose") and docs/api.md; they are not relaxed to
whatever the server does today.
"""
import copy
import datetime
import json

JSON = ("Content-Type", "application/json")
TEXT = ("Content-Type", "text/plain")

# examples/requests/post-op.json, compact, with the policy named (several are loaded).
BASE = {
    "policy": "reference", "as_of": "2025-06-01", "case_ref": "C-1042",
    "facts": {"has_ehcp": True, "dst": {"breathing": "high", "seizures": "severe", "skin": "severe"}},
    "events": {"surgery": "2025-06-10"},
    "lines": [
        {"id": "pc", "service": "personal_care", "weekly": "450.00", "start": "2025-06-01", "end": "2025-08-31"},
        {"id": "res", "service": "residential_placement", "weekly": "4200.00", "start": "2025-06-01",
         "end": "2026-05-31"},
        {"id": "eq", "service": "equipment", "amount": "1250.00", "date": "2025-06-15"},
    ],
}
T = json.dumps(BASE)
ONE_LINE = {"policy": "reference", "as_of": "2025-06-01", "case_ref": "H-1", "facts": {"dst": {"skin": "priority"}},
            "lines": [{"id": "eq", "service": "equipment", "amount": "100.00", "date": "2025-06-01"}]}
PANEL = {"outcome": "approved", "date": "2025-06-20", "members": ["Chair"], "notes": "hostile corpus"}
RECONCILE = {"contributions": {"social_care": "3704554.92", "health": "1122592.40", "education": "785814.68"},
             "spend": "6000000.00", "carry_forward": False}
POLICY_TEXT = (
    'policy hostile_small "Small"\n  version "1"\n  effective from 2025-04-01\n\n'
    'agency health "NHS"\nagency social_care "Social care"\n\n'
    'rule transport\n  when service is transport\n  split health 50%, social_care 50%\n'
)

E_DUP, E_NOT_JSON, E_DEEP, E_TYPE, E_UNKNOWN, E_MISSING = "E4212", "E4201", "E4202", "E4203", "E4204", "E4205"
E_MONEY, E_DATE, E_DECIMAL, E_TOO_MANY_LINES, E_AMOUNT_KIND = "E4206", "E4207", "E4208", "E4209", "E4210"
E_AMOUNT_MAX, E_LINE_LONG = "E4213", "E4214"
ANY4XX = tuple(range(400, 500))


def b(s):
    return s.encode() if isinstance(s, str) else s


def mutate(doc, path, value, delete=False):
    """A copy of doc with the JSON pointer `path` set to value (or removed)."""
    doc = copy.deepcopy(doc)
    parts = path.strip("/").split("/")
    node = doc
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        if delete:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif delete:
        node.pop(last, None)
    else:
        node[last] = value
    return json.dumps(doc).encode()


def multipart(text):
    """A well-formed multipart/form-data body (boundary x) whose one field holds text: what a
    cross-site HTML form can send without a preflight."""
    return (b"--x\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n" + b(text) + b"\r\n--x--\r\n")


def overlap_policy(n):
    """n rules on one service, every pair overlapping (issue 9 item 3; bench/hostile_policy.py)."""
    out = ['policy hostile "Hostile policy"\n  version "1"\n  effective from 2025-04-01\n\n'
           'agency health "NHS"\nagency social_care "Social care"\n\nfact points: whole default 0\n\n']
    for i in range(n):
        out.append(f"rule r_{i}\n  when service is personal_care and points >= {i}\n  split social_care 100%\n\n")
    return "".join(out)


def window_policy(n):
    """n window rules on one service chained through n + 1 events, each an exception to the last."""
    out = ['policy reference "Draft"\n  version "2099.1"\n  effective from 2099-04-01\n\n'
           'agency health "NHS"\nagency social_care "Social care"\n\n']
    out += [f"event e_{i}\n" for i in range(n + 1)]
    out.append("\n")
    for i in range(n):
        out.append(f"rule w_{i}\n")
        if i:
            out.append(f"  exception to w_{i - 1}\n")
        out.append("  when service is personal_care\n")
        out.append(f"  from e_{i} until e_{i + 1}\n" if i % 2 == 0 else f"  within {i} days after e_{i}\n")
        out.append("  split health 50%, social_care 50%\n\n")
    return "".join(out)


def build_cases(ctx):
    """ctx: port, decision_id (a stored decision, for panel routes)."""
    port = ctx["port"]
    did = ctx["decision_id"]
    cases = []

    def add(name, method="POST", path="/v1/evaluate", headers=(JSON,), body=b"", status=400, code=None,
            detail=None, **kw):
        # Storing needs a client, panel or admin token whatever --open-evaluation says (ADR
        # 0032): a case that stores sends the client's unless it names its own `auth`.
        if method == "POST" and path == "/v1/decisions":
            kw.setdefault("auth", "client")
        c = dict(name=name, method=method, path=path, headers=list(headers), body=b(body) if not callable(body)
                 else body, status=status, code=code, detail=detail)
        c.update(kw)
        cases.append(c)

    # JSON routes: (name, path, a valid body, the role to send, status when valid)
    routes = [
        ("evaluate", "/v1/evaluate", T, None, 200),
        ("decisions", "/v1/decisions", json.dumps(ONE_LINE), "client", 201),
        ("batch", "/v1/evaluate/batch", json.dumps({"requests": [ONE_LINE]}), None, 200),
        ("panel", f"/v1/decisions/{did}/panel", json.dumps(PANEL), "panel", 201),
        ("simulate", "/v1/simulate", json.dumps({"policy": "reference", "cases": [ONE_LINE]}), "author", 200),
        ("reconcile", "/v1/pools/adhoc/reconcile", json.dumps(RECONCILE), None, 200),
    ]

    # 1. Duplicate keys anywhere: 400, E4212 at the key's pointer (issue 9 item 1).
    dups = [
        ("dst-breathing", '"breathing": "high"', '"breathing": "priority", "breathing": "low"', "/facts/dst/breathing"),
        ("dst-breathing-escaped", '"breathing": "high"', '"breathing": "priority", "breath\\u0069ng": "low"',
         "/facts/dst/breathing"),
        ("events-surgery", '"surgery": "2025-06-10"', '"surgery": "2025-06-10", "surgery": "2025-07-10"',
         "/events/surgery"),
        ("case_ref", '"case_ref": "C-1042"', '"case_ref": "C-1042", "case_ref": "C-9999"', "/case_ref"),
        ("policy", '"policy": "reference"', '"policy": "reference", "policy": "reference"', "/policy"),
        ("as_of", '"as_of": "2025-06-01"', '"as_of": "2025-06-01", "as_of": "2026-06-01"', "/as_of"),
        ("lines", '"lines": [', '"lines": [], "lines": [', "/lines"),
        ("facts", '"facts": {', '"facts": {}, "facts": {', "/facts"),
        ("events", '"events": {', '"events": {}, "events": {', "/events"),
        ("has_ehcp", '"has_ehcp": true', '"has_ehcp": true, "has_ehcp": false', "/facts/has_ehcp"),
        ("line0-weekly", '"weekly": "450.00"', '"weekly": "450.00", "weekly": "4.50"', "/lines/0/weekly"),
        ("line2-id", '"id": "eq"', '"id": "eq", "id": "eq2"', "/lines/2/id"),
    ]
    for tag, old, new, ptr in dups:
        text = T.replace(old, new, 1)
        assert text != T, tag
        for route in ("/v1/evaluate", "/v1/decisions"):
            add(f"dup-{tag}{route.replace('/v1/', '@')}", path=route, body=text, status=400,
                code="invalid_request", detail=(E_DUP, ptr))
    add("dup-batch-item", path="/v1/evaluate/batch",
        body='{"requests": [' + T.replace('"breathing": "high"', '"breathing": "priority", "breathing": "low"') + "]}",
        code="invalid_request", detail=(E_DUP, "/requests/0/facts/dst/breathing"))
    add("dup-batch-requests", path="/v1/evaluate/batch", body='{"requests": [], "requests": [' + T + "]}",
        code="invalid_request", detail=(E_DUP, "/requests"))
    add("dup-simulate-policy", path="/v1/simulate", auth="author",
        body='{"policy": "reference", "policy": "reference", "cases": []}', code="invalid_request",
        detail=(E_DUP, "/policy"))
    add("dup-simulate-case", path="/v1/simulate", auth="author",
        body='{"policy": "reference", "cases": [' + T.replace('"policy": "reference", ', "").replace(
            '"surgery": "2025-06-10"', '"surgery": "2025-06-10", "surgery": "2025-07-10"') + "]}",
        code="invalid_request", detail=(E_DUP, "/cases/0/events/surgery"))
    add("dup-panel-outcome", path=f"/v1/decisions/{did}/panel", auth="panel",
        body='{"outcome": "approved", "outcome": "declined", "date": "2025-06-20", "members": ["Chair"]}',
        code="invalid_request", detail=(E_DUP, "/outcome"))
    add("dup-panel-override-share", path=f"/v1/decisions/{did}/panel", auth="panel",
        body='{"outcome": "approved", "date": "2025-06-20", "members": ["Chair"], "override": {"shares": '
             '{"health": "60.00", "health": "100.00", "social_care": "40.00"}, "reason": "x"}}',
        code="invalid_request", detail=(E_DUP, "/override/shares/health"))
    add("dup-reconcile-spend", path="/v1/pools/adhoc/reconcile",
        body=json.dumps(RECONCILE).replace('"spend": "6000000.00"', '"spend": "1.00", "spend": "6000000.00"'),
        code="invalid_request", detail=(E_DUP, "/spend"))
    add("dup-reconcile-contribution", path="/v1/pools/adhoc/reconcile",
        body=json.dumps(RECONCILE).replace('"health": "1122592.40"', '"health": "1.00", "health": "1122592.40"'),
        code="invalid_request", detail=(E_DUP, "/contributions/health"))
    add("dup-policies-check-source", path="/v1/policies/check", auth="author",
        body=json.dumps({"source": POLICY_TEXT, "file": "a.jf"}).replace('"file": "a.jf"',
                                                                       '"file": "a.jf", "file": "b.jf"'),
        code="invalid_request", detail=(E_DUP, "/file"))

    # 2. Framing and limits (issue 9 item 7): raw heads, nothing added.
    def raw(name, head, body=b"", status=400, code=None, max_s=3.0, **kw):
        cases.append(dict(name=name, raw=True, head=head, body=body, status=status, code=code, detail=None,
                          max_s=max_s, **kw))

    host = f"Host: 127.0.0.1:{port}\r\n"
    for name, path, _, role, _ in routes + [("check", "/v1/policies/check", "", "author", 200)]:
        auth = f"Authorization: Bearer {{{role}}}\r\n" if role else ""
        raw(f"declared-50MB-no-body@{name}",
            f"POST {path} HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\n"
            f"Content-Length: 50000000\r\nConnection: close\r\n\r\n", status=413, code="payload_too_large", max_s=2.0)
    big = b'{"case_ref": "' + b"x" * (1100 * 1024) + b'"}'
    for name, path in (("evaluate", "/v1/evaluate"), ("decisions", "/v1/decisions")):
        raw(f"sent-1.1MiB@{name}", f"POST {path} HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
            f"Content-Length: {len(big)}\r\nConnection: close\r\n\r\n", body=big, status=413, code="payload_too_large")
    raw("declared-1MiB+1@evaluate", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: {(1 << 20) + 1}\r\nConnection: close\r\n\r\n", status=413, code="payload_too_large",
        max_s=2.0)
    raw("content-length-20-digits", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: 99999999999999999999\r\nConnection: close\r\n\r\n", status=(400, 413), max_s=2.0)
    raw("content-length-negative", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: -1\r\nConnection: close\r\n\r\n", status=400)
    raw("content-length-not-a-number", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: 12abc\r\nConnection: close\r\n\r\n" + "x" * 12, status=400)
    raw("content-length-list", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: {len(T)}, {len(T)}\r\nConnection: close\r\n\r\n" + T, status=400)

    def chunked(payload, size=4096):
        data = b(payload)
        out = bytearray()
        for i in range(0, len(data), size):
            piece = data[i:i + size]
            out += b"%x\r\n" % len(piece) + piece + b"\r\n"
        return bytes(out + b"0\r\n\r\n")

    for name, path, valid, role, _ in routes:
        auth = f"Authorization: Bearer {{{role}}}\r\n" if role else ""
        raw(f"chunked@{name}", f"POST {path} HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", body=chunked(valid), status=411,
            code="length_required")

    def chunked_flood():  # 300 MB announced in 1 MiB chunks; the server must answer long before
        piece = b"%x\r\n" % (1 << 20) + b"x" * (1 << 20) + b"\r\n"
        for _ in range(300):
            yield piece
        yield b"0\r\n\r\n"

    raw("chunked-300MB@evaluate", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", body=chunked_flood, status=411,
        code="length_required")
    raw("chunked-capitalised@evaluate", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n", body=chunked(T), status=(400, 411))
    raw("te-gzip-chunked@evaluate", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n", body=chunked(T), status=(400, 411, 415, 501))
    raw("cl-then-te", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: {len(chunked(T))}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        body=chunked(T), status=400, code="ambiguous_framing")
    raw("te-then-cl", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
        body=chunked(T), status=400, code="ambiguous_framing")
    raw("cl-and-te-smuggle@decisions", f"POST /v1/decisions HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
        body=b"0\r\n\r\nPOST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", status=400,
        code="ambiguous_framing")
    raw("two-content-length-equal", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: {len(T)}\r\nContent-Length: {len(T)}\r\nConnection: close\r\n\r\n" + T, status=400)
    raw("two-content-length-differ", f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length: 2\r\nContent-Length: {len(T)}\r\nConnection: close\r\n\r\n" + T, status=400)

    for enc in ("gzip", "deflate", "br", "gzip, gzip"):
        for name, path in (("evaluate", "/v1/evaluate"), ("decisions", "/v1/decisions")):
            add(f"content-encoding-{enc.replace(', ', '+')}@{name}", path=path,
                headers=[JSON, ("Content-Encoding", enc)], body=T if name == "evaluate" else json.dumps(ONE_LINE),
                status=415, code="unsupported_media_type")

    # Header count and size (431).
    for n in (101, 150, 1000, 10000):
        add(f"headers-{n}", method="GET", path="/healthz", headers=[(f"X-H{i}", "v") for i in range(n)],
            status=431, code="request_header_fields_too_large")
    add("headers-101@evaluate", headers=[JSON] + [(f"X-H{i}", "v") for i in range(101)], body=T,
        status=431, code="request_header_fields_too_large")
    add("headers-40KiB-in-10", method="GET", path="/healthz",
        headers=[(f"X-Big{i}", "a" * 4096) for i in range(10)], status=431, code="request_header_fields_too_large")
    # One header line over 8 KiB: cpp-httplib 0.11.4 stops reading it and answers 400 itself,
    # before jointly sees the request (docs/operations.md); nginx refuses it in front.
    add("headers-40KiB-one-line", method="GET", path="/healthz", headers=[("X-Big", "a" * 40960)],
        status=(400, 431))
    add("headers-1MiB-one-line", method="GET", path="/healthz", headers=[("X-Big", "a" * (1 << 20))],
        status=(400, 431))
    add("cookie-33KiB", method="GET", path="/healthz", headers=[("Cookie", "c=" + "a" * (33 * 1024))],
        status=(400, 431))
    raw("request-line-100KiB", f"GET /v1/policies/{'a' * 100 * 1024} HTTP/1.1\r\n{host}Connection: close\r\n\r\n",
        status=(400, 404, 414, 431))
    raw("garbage-request-line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n", status=ANY4XX)
    raw("no-version", "GET /healthz\r\n\r\n", status=ANY4XX)
    # cpp-httplib 0.11.4 skips a header line without a colon (it never reaches jointly); nginx
    # refuses it with 400. Either way the line is not read as anything.
    raw("header-without-colon", f"GET /healthz HTTP/1.1\r\n{host}NoColonHere\r\nConnection: close\r\n\r\n",
        status=(200, 400))
    raw("header-space-before-colon",
        f"POST /v1/evaluate HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
        f"Content-Length : {len(T)}\r\nConnection: close\r\n\r\n" + T, status=(400, 411))
    # RFC 9112 lets a server replace an obs-fold or a NUL with spaces instead of refusing: either is fine
    raw("header-obs-fold", f"GET /healthz HTTP/1.1\r\n{host}X-A: 1\r\n folded\r\nConnection: close\r\n\r\n",
        status=(200, 400))
    raw("nul-in-header", f"GET /healthz HTTP/1.1\r\n{host}X-A: a\x00b\r\nConnection: close\r\n\r\n",
        status=(200, 400))
    raw("http-2.0-version", f"GET /healthz HTTP/2.0\r\n{host}Connection: close\r\n\r\n", status=(400, 505))

    # 3. Content types on JSON routes: 415 (issue 9 item 6).
    for name, path, valid, role, _ in routes:
        for tag, hdrs in (("text-plain", [TEXT]), ("none", []),
                          ("form", [("Content-Type", "application/x-www-form-urlencoded")]),
                          ("multipart", [("Content-Type", "multipart/form-data; boundary=x")])):
            add(f"content-type-{tag}@{name}", path=path, headers=hdrs, body=multipart(valid) if tag == "multipart"
                else valid, auth=role, status=415, code="unsupported_media_type")
    add("content-type-json-charset@evaluate", headers=[("Content-Type", "application/json; charset=utf-8")],
        body=T, status=200)
    add("content-type-text-json@evaluate", headers=[("Content-Type", "text/json")], body=T, status=415,
        code="unsupported_media_type")
    add("content-type-policy-form@check", path="/v1/policies/check", auth="author",
        headers=[("Content-Type", "application/x-www-form-urlencoded")], body=POLICY_TEXT, status=415,
        code="unsupported_media_type")

    # 4. Origins (issue 9 item 6).
    for name, path, valid, role, _ in routes + [("policies", "/v1/policies", POLICY_TEXT, "author", 201),
                                               ("check", "/v1/policies/check", POLICY_TEXT, "author", 200)]:
        ct = TEXT if name in ("policies", "check") else JSON
        add(f"origin-evil@{name}", path=path, headers=[ct, ("Origin", "http://evil.example")], body=valid,
            auth=role, status=403, code="cross_origin")
    add("origin-null@decisions", path="/v1/decisions", headers=[JSON, ("Origin", "null")], body=json.dumps(ONE_LINE),
        status=403, code="cross_origin")
    add("origin-other-port@decisions", path="/v1/decisions",
        headers=[JSON, ("Origin", f"http://127.0.0.1:{port + 1 if port < 65535 else 1}")],
        body=json.dumps(ONE_LINE), status=403, code="cross_origin")
    add("origin-https-same-host@decisions", path="/v1/decisions",
        headers=[JSON, ("Origin", f"https://evil.example.127.0.0.1:{port}")], body=json.dumps(ONE_LINE),
        status=403, code="cross_origin")
    add("origin-same@evaluate", headers=[JSON, ("Origin", f"http://127.0.0.1:{port}")], body=T, status=200)
    add("origin-same@decisions", path="/v1/decisions", headers=[JSON, ("Origin", f"http://127.0.0.1:{port}")],
        body=json.dumps(ONE_LINE), status=201)
    add("sec-fetch-cross-site@evaluate", headers=[JSON, ("Sec-Fetch-Site", "cross-site")], body=T, status=403)
    add("sec-fetch-cross-site@decisions", path="/v1/decisions", headers=[JSON, ("Sec-Fetch-Site", "cross-site")],
        body=json.dumps(ONE_LINE), status=403)
    add("sec-fetch-same-origin@evaluate", headers=[JSON, ("Sec-Fetch-Site", "same-origin")], body=T, status=200)
    add("options@evaluate", method="OPTIONS", headers=[], status=204, allow=["POST", "OPTIONS"], no_acao=True)
    add("options@decisions", method="OPTIONS", path="/v1/decisions", headers=[], status=204,
        allow=["GET", "HEAD", "POST", "OPTIONS"], no_acao=True)
    add("options-preflight-evil@decisions", method="OPTIONS", path="/v1/decisions",
        headers=[("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST"),
                 ("Access-Control-Request-Headers", "content-type")], status=(204, 403), no_acao=True)

    # 5. Methods and routes.
    for path in ("/v1/evaluate", "/v1/decisions", "/v1/policies", "/healthz", f"/v1/decisions/{did}"):
        for method in ("PUT", "DELETE", "PATCH"):
            add(f"{method.lower()}@{path}", method=method, path=path, headers=[JSON], body="{}", auth="author",
                status=405, code="method_not_allowed", allow=["OPTIONS"])
    for path in ("/v1/evaluat", "/v2/evaluate", "/v1/evaluate/", "/v1/decisions/../../etc/passwd",
                 "/v1/policies/..%2F..%2Fetc%2Fpasswd", "/%00", "/v1/decisions/1%20OR%201=1",
                 "/v1/pools/nope/reconcile/extra"):
        add(f"unknown-route {path}", method="GET", path=path, headers=[], auth="client", status=404,
            code="not_found")
    add("get-unknown-decision", method="GET", path="/v1/decisions/d-0000000000000000", headers=[], auth="client",
        status=404, code="not_found")
    add("panel-unknown-decision", path="/v1/decisions/d-0000000000000000/panel", body=json.dumps(PANEL),
        auth="panel", status=404, code="not_found")
    add("reconcile-unknown-pool-policy", path="/v1/pools/nope/reconcile",
        body=json.dumps(dict(RECONCILE, policy="no_such_policy")), status=404, code="not_found")
    add("trace", method="TRACE", path="/", headers=[], status=(400, 404, 405, 501))

    # 6. Access.
    add("check-no-token", path="/v1/policies/check", headers=[TEXT], body=POLICY_TEXT, status=401,
        code="unauthorized")
    add("check-json-no-token", path="/v1/policies/check", body=json.dumps({"source": POLICY_TEXT}), status=401,
        code="unauthorized")
    add("simulate-no-token", path="/v1/simulate", body=routes[4][2], status=401, code="unauthorized")
    for name, path, role_body in (("check", "/v1/policies/check", POLICY_TEXT),
                                  ("simulate", "/v1/simulate", routes[4][2]),
                                  ("policies", "/v1/policies", POLICY_TEXT)):
        ct = JSON if name == "simulate" else TEXT
        for tag, value in (("unknown", "Bearer not-a-token-0123456789"), ("basic", "Basic YWRtaW46YWRtaW4="),
                           ("empty", "Bearer "), ("prefix", "Bearer {author_prefix}")):
            add(f"token-{tag}@{name}", path=path, headers=[ct], body=role_body, auth="=" + value, status=401,
                code="unauthorized")
    add("client-uploads-policy", path="/v1/policies", headers=[TEXT], body=POLICY_TEXT, auth="client", status=403,
        code="forbidden")
    add("panel-uploads-policy", path="/v1/policies", headers=[TEXT], body=POLICY_TEXT, auth="panel", status=403,
        code="forbidden")
    add("client-records-panel", path=f"/v1/decisions/{did}/panel", body=json.dumps(PANEL), auth="client",
        status=403, code="forbidden")
    add("decisions-list-no-token", method="GET", path="/v1/decisions", headers=[], status=401, code="unauthorized")
    add("decisions-store-no-token", path="/v1/decisions", body=json.dumps(ONE_LINE), auth=None, status=401,
        code="unauthorized")
    add("author-stores-decision", path="/v1/decisions", body=json.dumps(ONE_LINE), auth="author", status=403,
        code="forbidden")
    add("author-lists-decisions", method="GET", path="/v1/decisions", headers=[], auth="author", status=403,
        code="forbidden")
    add("author-reads-decision", method="GET", path=f"/v1/decisions/{did}", headers=[], auth="author", status=403,
        code="forbidden")
    add("decision-read-no-token", method="GET", path=f"/v1/decisions/{did}", headers=[], status=401,
        code="unauthorized")
    add("summary-no-token", method="GET", path="/v1/reports/summary", headers=[], status=401, code="unauthorized")

    # 7. Wrong types, one field at a time (evaluate).
    wrong = [
        ("/policy", 1, E_TYPE), ("/policy", [], E_TYPE), ("/policy", {}, E_TYPE), ("/policy", None, (E_TYPE, E_MISSING)),
        ("/as_of", 20250601, E_DATE), ("/as_of", {}, E_DATE),
        ("/case_ref", 123, E_TYPE), ("/case_ref", ["C"], E_TYPE), ("/case_ref", {"a": 1}, E_TYPE),
        ("/facts", "x", E_TYPE), ("/facts", [], E_TYPE), ("/facts", 1, E_TYPE), ("/facts", True, E_TYPE),
        ("/facts/has_ehcp", "yes", "E4003"), ("/facts/has_ehcp", 1, "E4003"),
        ("/facts/dst", "high", "E4003"), ("/facts/dst", ["high"], "E4003"),
        ("/facts/dst/breathing", 3, ("E4003", "E4004")), ("/facts/dst/breathing", True, ("E4003", "E4004")),
        ("/facts/dst/breathing", {"x": 1}, ("E4003", "E4004")),
        ("/events", [], E_TYPE), ("/events", "2025-06-10", E_TYPE),
        ("/events/surgery", 123, E_DATE), ("/events/surgery", True, E_DATE),
        ("/lines", {}, E_TYPE), ("/lines", "x", E_TYPE), ("/lines", 1, E_TYPE), ("/lines", None, E_TYPE),
        ("/lines/0", "x", E_TYPE), ("/lines/0", 1, E_TYPE), ("/lines/0", [], E_TYPE),
        ("/lines/0/id", 1, E_TYPE), ("/lines/0/id", [], E_TYPE), ("/lines/0/id", "", "E4006"),
        ("/lines/1/id", "pc", "E4006"),
        ("/lines/0/service", 1, E_TYPE), ("/lines/0/service", "", "E4009"),
        ("/lines/0/weekly", 450.5, E_MONEY), ("/lines/0/weekly", {}, E_MONEY), ("/lines/0/weekly", [], E_MONEY),
        ("/lines/0/weekly", True, E_MONEY), ("/lines/0/weekly", "abc", E_MONEY), ("/lines/0/weekly", "1.234", E_MONEY),
        ("/lines/0/weekly", "1e3", E_MONEY), ("/lines/0/weekly", "0x10", E_MONEY), ("/lines/0/weekly", " 450.00", E_MONEY),
        ("/lines/0/weekly", "450.00 ", E_MONEY), ("/lines/0/weekly", "NaN", E_MONEY), ("/lines/0/weekly", "-1.00", "E4008"),
        ("/lines/0/weekly", 1e300, E_MONEY), ("/lines/0/weekly", "", E_MONEY), ("/lines/0/weekly", "£450", E_MONEY),
        ("/lines/2/amount", {"value": "1250.00"}, E_MONEY), ("/lines/2/amount", 1250.99, E_MONEY),
        ("/lines/2/amount", "1,250.00", E_MONEY), ("/lines/2/amount", None, E_MONEY),
        ("/lines/0/start", 20250601, E_DATE), ("/lines/0/start", None, E_DATE), ("/lines/0/end", [], E_DATE),
        ("/lines/2/date", {}, E_DATE),
    ]
    for ptr, value, code in wrong:
        add(f"type {ptr}={json.dumps(value)[:24]}", body=mutate(BASE, ptr, value), status=400,
            code="invalid_request", detail=(code, ptr))
    # null is read one way, documented in docs/api.md: the same as leaving the field out (an
    # optional fact takes its default, an event did not happen); a required fact is E4001.
    for ptr in ("/as_of", "/facts/has_ehcp", "/events/surgery", "/case_ref"):
        add(f"null-is-absent {ptr}", body=mutate(BASE, ptr, None), status=200)
    add("null-required-fact", body=mutate(BASE, "/facts/dst", None), code="invalid_request",
        detail=("E4001", "/facts/dst"))
    # a fraction as money in every money field of every route
    add("money-fraction@decisions", path="/v1/decisions", body=mutate(ONE_LINE, "/lines/0/amount", 100.5),
        code="invalid_request", detail=(E_MONEY, "/lines/0/amount"))
    add("money-fraction@batch", path="/v1/evaluate/batch",
        body=json.dumps({"requests": [json.loads(mutate(ONE_LINE, "/lines/0/amount", 100.5))]}), status=200,
        batch_detail=(0, 400, E_MONEY, "/lines/0/amount"))
    add("money-fraction-hourly", body=mutate(BASE, "/lines/0", {"id": "pc", "service": "personal_care",
                                                                "hourly": 18.5, "hours_per_week": "20",
                                                                "start": "2025-06-01", "end": "2025-06-30"}),
        code="invalid_request", detail=(E_MONEY, "/lines/0/hourly"))
    add("money-fraction@reconcile-spend", path="/v1/pools/adhoc/reconcile",
        body=mutate(RECONCILE, "/spend", 6000000.5), code="invalid_request", detail=(E_MONEY, "/spend"))
    add("money-object@reconcile-contribution", path="/v1/pools/adhoc/reconcile",
        body=mutate(RECONCILE, "/contributions/health", {"x": 1}), code="invalid_request",
        detail=(E_MONEY, "/contributions/health"))
    add("money-fraction@panel-share", path=f"/v1/decisions/{did}/panel", auth="panel",
        body=json.dumps(dict(PANEL, override={"shares": {"health": 60.5}, "reason": "x"})), code="invalid_request",
        detail=(E_MONEY, "/override/shares/health"))
    add("two-amount-kinds", body=mutate(BASE, "/lines/2/weekly", "1.00"), code="invalid_request",
        detail=(E_AMOUNT_KIND, "/lines/2"))
    add("no-amount-kind", body=mutate(BASE, "/lines/2/amount", None, delete=True), code="invalid_request",
        detail=(E_AMOUNT_KIND, "/lines/2"))

    # 8. Bounds: dates, line length, amounts, hours.
    for bad in ("2025-02-30", "2025-13-01", "20250101", "", "2025-1-1", "2025-06-01T00:00:00Z", "0000-01-01",
                "1899-12-31", "+2025-06-01", "2025-06-01\u0000"):
        for ptr in ("/as_of", "/lines/0/start"):
            add(f"date {ptr}={bad!r}", body=mutate(BASE, ptr, bad), code="invalid_request", detail=(E_DATE, ptr))
    add("date /events/surgery=2025-02-29", body=mutate(BASE, "/events/surgery", "2025-02-29"),
        code="invalid_request", detail=(E_DATE, "/events/surgery"))
    add("date /lines/2/date=2025-04-31", body=mutate(BASE, "/lines/2/date", "2025-04-31"),
        code="invalid_request", detail=(E_DATE, "/lines/2/date"))
    long_line = {"id": "pc", "service": "personal_care", "weekly": "450.00", "start": "1900-01-01",
                 "end": "9999-12-31"}
    add("line-1900-to-9999", body=mutate(BASE, "/lines/0", long_line), code="invalid_request",
        detail=(E_LINE_LONG, "/lines/0/end"))
    add("line-1900-to-9999@decisions", path="/v1/decisions", body=mutate(BASE, "/lines/0", long_line),
        code="invalid_request", detail=(E_LINE_LONG, "/lines/0/end"))
    add("line-51-years", body=mutate(BASE, "/lines/0", dict(long_line, start="2025-01-01", end="2076-01-01")),
        code="invalid_request", detail=(E_LINE_LONG, "/lines/0/end"))
    fifty = dict(BASE, lines=[dict(long_line, id=f"l{i}") for i in range(50)])
    add("50-lines-1900-to-9999", body=json.dumps(fifty), code="invalid_request",
        detail=(E_LINE_LONG, "/lines/49/end"), max_s=3.0, max_body=1 << 20)
    for ptr, value in (("/lines/2/amount", "100000000.01"), ("/lines/2/amount", 100000001),
                       ("/lines/0/weekly", "200000000.00"), ("/lines/2/amount", "92233720368547758.07"),
                       ("/lines/2/amount", "92233720368547758.08"), ("/lines/2/amount", "-100000000.01"),
                       ("/lines/2/amount", 10 ** 30)):
        # beyond what pence in 64 bits hold it may be "not money" instead; a negative one "negative"
        code = E_AMOUNT_MAX if value not in ("92233720368547758.08", 10 ** 30, "-100000000.01") else \
            (E_AMOUNT_MAX, E_MONEY, "E4008")
        add(f"amount {ptr}={value}", body=mutate(BASE, ptr, value), code="invalid_request", detail=(code, ptr))
    add("amount-max@decisions", path="/v1/decisions", body=mutate(ONE_LINE, "/lines/0/amount",
                                                                 "92233720368547758.07"),
        code="invalid_request", detail=(E_AMOUNT_MAX, "/lines/0/amount"))
    add("amount-max@reconcile", path="/v1/pools/adhoc/reconcile", body=mutate(RECONCILE, "/spend",
                                                                             "92233720368547758.07"),
        code="invalid_request", detail=(E_AMOUNT_MAX, "/spend"))
    hourly = {"id": "pc", "service": "personal_care", "hourly": "18.50", "hours_per_week": "20",
              "start": "2025-06-01", "end": "2025-06-30"}
    for hours, code in (("169", None), ("168.01", None), ("1000000", None), ("-1", None), ("abc", E_DECIMAL),
                        (170, None), (20.5, None)):
        add(f"hours_per_week={hours!r}", body=mutate(BASE, "/lines/0", dict(hourly, hours_per_week=hours)),
            code="invalid_request", detail=(code, "/lines/0/hours_per_week"))
    add("lines-1001", body=json.dumps(dict(BASE, lines=[dict(BASE["lines"][2], id=f"e{i}") for i in range(1001)])),
        code="invalid_request", detail=(E_TOO_MANY_LINES, "/lines"))
    add("batch-1001", path="/v1/evaluate/batch", body=json.dumps({"requests": [ONE_LINE] * 1001}), status=413,
        code="payload_too_large")

    # 9. Unknown fields.
    for ptr in ("/polcy", "/extra", "/__proto__", "/constructor", "/lines/0/foo", "/lines/2/weekly_cap"):
        add(f"unknown-field {ptr}", body=mutate(BASE, ptr, "x"), code="invalid_request", detail=(E_UNKNOWN, ptr))
    add("unknown-field@panel", path=f"/v1/decisions/{did}/panel", auth="panel",
        body=json.dumps(dict(PANEL, approve_all=True)), code="invalid_request", detail=(E_UNKNOWN, "/approve_all"))
    add("unknown-field@reconcile", path="/v1/pools/adhoc/reconcile", body=json.dumps(dict(RECONCILE, extra=1)),
        code="invalid_request", detail=(E_UNKNOWN, "/extra"))
    add("unknown-field@simulate", path="/v1/simulate", auth="author",
        body=json.dumps({"policy": "reference", "cases": [], "extra": 1}), code="invalid_request",
        detail=(E_UNKNOWN, "/extra"))
    add("unknown-fact", body=mutate(BASE, "/facts/has_echp", True), code="invalid_request",
        detail=("E4002", "/facts/has_echp"))
    add("unknown-event", body=mutate(BASE, "/events/surgry", "2025-06-10"), code="invalid_request",
        detail=("E4005", "/events/surgry"))

    # 10. Not JSON, bad UTF-8, nesting.
    for tag, body in (("empty", b""), ("text", b"hello"), ("array", b"[]"), ("null", b"null"), ("number", b"1"),
                      ("string", b'"x"'), ("truncated", T[:-10]), ("trailing-garbage", T + "x"),
                      ("two-objects", T + T), ("nan", T.replace('"450.00"', "NaN")),
                      ("comment", "/* c */" + T), ("single-quotes", T.replace('"', "'")),
                      ("utf16", T.encode("utf-16")),
                      ("nul-byte", b(T[:10]) + b"\x00" + b(T[10:]))):
        add(f"not-json {tag}", body=body, code="invalid_request", status=400)
    for name, path, _, role, _ in routes:
        add(f"not-json@{name}", path=path, body=b"{", auth=role, code="invalid_request",
            detail=(E_NOT_JSON, None))
        if name != "batch":  # a batch may be a bare array of requests
            add(f"json-array@{name}", path=path, body=b"[]", auth=role, code="invalid_request")
    add("json-bom", body=b"\xef\xbb\xbf" + b(T), status=(200, 400))  # RFC 8259: a parser MAY ignore a BOM
    for tag, seq in (("ff", b"\xff"), ("c3-28", b"\xc3\x28"), ("overlong-slash", b"\xc0\xaf"),
                     ("surrogate", b"\xed\xa0\x80"), ("truncated-4byte", b"\xf0\x9f\x98"),
                     ("above-u10ffff", b"\xf4\x90\x80\x80")):
        add(f"utf8-{tag}@case_ref", body=b(T).replace(b'"C-1042"', b'"C-' + seq + b'"'), code="invalid_request",
            detail=(E_NOT_JSON, None))
    add("utf8-ff@fact-key", body=b(T).replace(b'"skin"', b'"sk\xffin"'), code="invalid_request",
        detail=(E_NOT_JSON, None))
    add("utf8-lone-surrogate-escape", body=T.replace('"C-1042"', '"C-\\ud800"'), code="invalid_request",
        detail=(E_NOT_JSON, None))
    add("utf8-ff@decisions", path="/v1/decisions", body=b(json.dumps(ONE_LINE)).replace(b'"H-1"', b'"H-\xff"'),
        code="invalid_request", detail=(E_NOT_JSON, None))
    for depth in (65, 100, 10000, 500000):
        add(f"nesting-arrays-{depth}", body='{"case_ref": ' + "[" * depth + "]" * depth + "}",
            code="invalid_request", detail=(E_DEEP, None))
    add("nesting-objects-65@facts", body=T.replace('"facts": {', '"facts": {"x": ' + '{"a": ' * 65 + "1" + "}" * 65 + ", ", 1),
        code="invalid_request", detail=(E_DEEP, None))
    add("nesting-unclosed-900k", body="[" * 900000, code="invalid_request")
    add("nesting-65@simulate", path="/v1/simulate", auth="author",
        body='{"policy": "reference", "cases": ' + "[" * 65 + "]" * 65 + "}", code="invalid_request",
        detail=(E_DEEP, None))

    # 11. Query strings.
    for q in ("limit=abc", "limit=-1", "limit=1e3", "offset=abc", "offset=-5", "from=2025-13-01", "to=yesterday",
              "outcome=maybe", "limit=99999999999999999999"):
        add(f"query {q}", method="GET", path=f"/v1/decisions?{q}", headers=[], auth="client", code="invalid_request",
            detail=(None, "?" + q.split("=")[0]))
    add("query explain=bogus", path="/v1/evaluate?explain=bogus", body=T, code="invalid_request",
        detail=(None, "?explain"))
    add("query summary from=bad", method="GET", path="/v1/reports/summary?from=2025-02-30", headers=[],
        auth="client", code="invalid_request", detail=(None, "?from"))

    # 12. Huge strings inside the body limit: answered (any 4xx or 200) within the time limit.
    for field, ptr in (("case_ref", "/case_ref"), ("service", "/lines/0/service"), ("line-id", "/lines/0/id")):
        add(f"huge-string-900KB {field}", body=mutate(BASE, ptr, "x" * 900_000), status=(200,) + ANY4XX,
            read_limit=64 << 20)
    add("huge-string-900KB fact-key", body=mutate(BASE, "/facts/dst/" + "k" * 900_000, "low"),
        status=(200,) + ANY4XX, read_limit=64 << 20)
    add("huge-string-900KB@decisions", path="/v1/decisions", body=mutate(ONE_LINE, "/case_ref", "x" * 900_000),
        status=(201,) + ANY4XX, read_limit=64 << 20)
    add("many-facts-50k", body=mutate(BASE, "/facts/dst", {f"k{i}": "low" for i in range(50_000)}),
        status=(200,) + ANY4XX, read_limit=64 << 20)
    # Keys in descending order: a decoder that kept a flat map sorted key by key would move every
    # key already held at each insert (ADR 0024).
    # 62,000 keys keep the body (json.dumps: a space after each `,` and `:`) under the default
    # --max-body of 1 MiB, so the map is decoded: one by one they took over 3 s.
    add("many-facts-62k-descending", body=mutate(BASE, "/facts/dst",
                                                 {f"{i:05d}": "low" for i in reversed(range(62_000))}),
        status=200, max_s=1.0, read_limit=64 << 20)
    add("many-escapes-\\u0000", body=mutate(BASE, "/case_ref", "\u0000" * 150_000), status=(200,) + ANY4XX,
        read_limit=64 << 20)

    # A reason that names a repeating event is written for every segment: 1,000 surgeries 18
    # days apart (one long stretch) and 1,000 fifty-year lines made a 1.6 GB answer, built in
    # 4.5 s and about 1 GB before the size was checked. The text is now bounded as it is
    # written (E3008): refused at once, in bounded memory, alone or five at a time in a batch.
    first = datetime.date(2025, 6, 1)
    surgeries = [(first + datetime.timedelta(days=18 * i)).isoformat() for i in range(1000)]
    blowup = {"policy": "continuing_care_post_op", "as_of": "2025-06-01", "facts": {"dst": {"a": "priority"}},
              "events": {"surgery": surgeries},
              "lines": [{"id": f"l{i}", "service": "personal_care", "weekly": "450.00", "start": "2025-06-01",
                         "end": "2075-05-31"} for i in range(1000)]}
    add("repeating-event-reasons-1000x1000", body=json.dumps(blowup), status=422, code="response_too_large",
        max_s=2.0)
    add("repeating-event-reasons-1000x1000@explain", path="/v1/evaluate?explain=full", body=json.dumps(blowup),
        status=422, code="response_too_large", max_s=2.0)
    add("repeating-event-reasons-1000x1000@batch5", path="/v1/evaluate/batch",
        body=json.dumps({"requests": [blowup] * 5}), status=422, code="response_too_large", max_s=5.0)

    # 13. Policy compilation bounded (issue 9 item 3).
    add("policy-1000-overlapping-rules@check", path="/v1/policies/check", headers=[TEXT], auth="author",
        body=overlap_policy(1000), status=(200, 422), max_s=5.0, max_body=1 << 20)
    add("policy-1000-overlapping-rules@check-json", path="/v1/policies/check", auth="author",
        body=json.dumps({"source": overlap_policy(1000)}), status=(200, 422), max_s=5.0, max_body=1 << 20)
    add("policy-2400-window-rules@check", path="/v1/policies/check", headers=[TEXT], auth="author",
        body=window_policy(2400), status=(200, 413, 422), max_s=5.0, max_body=1 << 20)
    add("policy-over-256KiB@check", path="/v1/policies/check", headers=[TEXT], auth="author",
        body=overlap_policy(6000), status=413, code="payload_too_large")
    add("simulate-vs_source-1000-windows", path="/v1/simulate", auth="author",
        body=json.dumps({"policy": "reference", "vs_source": window_policy(1000), "cases": [ONE_LINE]}),
        status=(200, 400, 413, 422), max_s=5.0, max_body=1 << 20)
    return cases
