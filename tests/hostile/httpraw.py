"""Raw HTTP/1.1 over a socket, for requests whose framing a normal client would refuse to send.

Standard library only. Every call is bounded in time and in the bytes it reads.
"""
import os
import socket
import threading
import time

HOST = "127.0.0.1"


class Response:
    def __init__(self, status, reason, headers, body, raw_head):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lower-case name, value)
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]


class Outcome:
    """What happened to one exchange: the responses read, whether the peer closed, errors."""

    def __init__(self):
        self.responses = []
        self.closed = False  # the peer closed (EOF or reset) before we gave up
        self.error = None  # a description of what went wrong reading
        self.elapsed = 0.0  # seconds from the first byte sent to the end of the first response
        self.send_error = None
        self.bytes_read = 0
        self.truncated = False  # more than max_read bytes arrived


def build(method, path, headers, body=b"", host=None, auto_length=True, close=True):
    """Request head bytes. headers: list of (name, value) (str or bytes)."""
    lines = [f"{method} {path} HTTP/1.1".encode("latin-1")]
    names = {(n.decode("latin-1") if isinstance(n, bytes) else n).lower() for n, _ in headers}
    if "host" not in names and host is not None:
        lines.append(b"Host: " + host.encode())
    for n, v in headers:
        n = n if isinstance(n, bytes) else n.encode("latin-1")
        v = v if isinstance(v, bytes) else v.encode("latin-1")
        lines.append(n + b": " + v)
    if auto_length and "content-length" not in names and "transfer-encoding" not in names and \
            isinstance(body, (bytes, bytearray)) and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    if close and "connection" not in names:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _Reader:
    """Incremental HTTP/1.1 response parser over a byte buffer."""

    def __init__(self, head_method="GET"):
        self.buf = bytearray()
        self.responses = []

    def feed(self, data):
        self.buf += data

    def parse(self, eof=False):
        """Parse as many complete responses as the buffer holds. Returns True if one was added."""
        added = False
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return added
            head = bytes(self.buf[:end])
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ", 2)
            try:
                status = int(parts[1])
            except (IndexError, ValueError):
                raise ValueError("bad status line %r" % lines[0][:80])
            reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
            headers = []
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                headers.append((k.strip().decode("latin-1").lower(), v.strip().decode("latin-1")))
            hd = dict(headers)
            rest = self.buf[end + 4:]
            if status in (204, 304) or 100 <= status < 200:
                body, used = b"", 0
            elif "chunked" in hd.get("transfer-encoding", "").lower():
                body, used = _dechunk(rest)
                if body is None:
                    return added
            elif "content-length" in hd:
                n = int(hd["content-length"])
                if len(rest) < n:
                    return added
                body, used = bytes(rest[:n]), n
            else:  # read until close
                if not eof:
                    return added
                body, used = bytes(rest), len(rest)
            self.responses.append(Response(status, reason, headers, body, head))
            del self.buf[:end + 4 + used]
            added = True
            if 100 <= status < 200:
                continue


def _dechunk(data):
    out = bytearray()
    i = 0
    while True:
        j = data.find(b"\r\n", i)
        if j < 0:
            return None, 0
        size = int(bytes(data[i:j]).split(b";")[0] or b"0", 16)
        i = j + 2
        if size == 0:
            k = data.find(b"\r\n", i)
            if k < 0:
                return None, 0
            # trailers (none expected): skip until an empty line
            while k != i:
                i = k + 2
                k = data.find(b"\r\n", i)
                if k < 0:
                    return None, 0
            return bytes(out), i + 2
        if len(data) < i + size + 2:
            return None, 0
        out += data[i:i + size]
        i += size + 2


def exchange(port, head, body=b"", timeout=5.0, expect=1, max_read=4 << 20, connect_timeout=2.0,
             send_chunk=65536, wait_close=False):
    """Send head + body (bytes, or an iterable of bytes) on a fresh connection; read until
    `expect` responses arrived, the peer closed, or `timeout` seconds passed.

    The body is sent from a second thread, so an answer sent before the whole body was read
    (a 413) is still seen even if the server then stops reading."""
    out = Outcome()
    s = socket.create_connection((HOST, port), timeout=connect_timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    deadline = start + timeout
    stop = threading.Event()

    def sender():
        try:
            s.sendall(head)
            if isinstance(body, (bytes, bytearray)):
                view = memoryview(body)
                for i in range(0, len(view), send_chunk):
                    if stop.is_set():
                        return
                    s.sendall(view[i:i + send_chunk])
            else:
                for piece in body:
                    if stop.is_set():
                        return
                    s.sendall(piece)
        except OSError as e:
            out.send_error = f"{type(e).__name__}: {e}"

    t = threading.Thread(target=sender, daemon=True)
    s.settimeout(0.2)
    t.start()
    reader = _Reader()
    try:
        while time.monotonic() < deadline:
            try:
                data = s.recv(262144)
            except socket.timeout:
                continue
            except OSError as e:  # reset: keep what was read
                out.closed = True
                out.error = f"{type(e).__name__}: {e}"
                break
            if not data:
                out.closed = True
                break
            out.bytes_read += len(data)
            if out.bytes_read > max_read:
                out.truncated = True
                break
            reader.feed(data)
            if reader.parse() and not out.elapsed:
                out.elapsed = time.monotonic() - start
            if len(reader.responses) >= expect and not wait_close:
                break
        try:
            reader.parse(eof=out.closed)
        except ValueError as e:
            out.error = str(e)
    except ValueError as e:
        out.error = str(e)
    finally:
        stop.set()
        try:
            s.close()
        except OSError:
            pass
    if not out.elapsed:
        out.elapsed = time.monotonic() - start
    out.responses = reader.responses
    if not out.responses and out.error is None and not out.closed and not out.truncated:
        out.error = "no answer within %.1f s" % timeout
    return out


def rss_kib(pid):
    """VmRSS of pid in KiB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
                if line.startswith("State:") and line.split()[1] in ("Z", "X"):
                    return None
    except OSError:
        return None
    return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def read_tokens(path):
    roles = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            tok, role = line.split()
            roles.setdefault(role, tok)
    return roles


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
