#!/usr/bin/env python3
"""A static HTTP(S) server for nest's tests, with faults switched on at runtime.

Serves the files under --root (a simplestreams tree written by
`nest image export-streams`, or anything else) on 127.0.0.1 only. Files are read
at request time, so a test may change the tree between steps.

    streams_server.py --root DIR --state STATE [--port 0] [--tls-cert C --tls-key K]
                      [--parent-pid PID]

STATE is a directory the test owns:
  STATE/port          written (atomically) once listening: the port, chosen by
                      the kernel when --port is 0 (the default).
  STATE/requests.log  one line per request, appended and flushed at once:
                      "<unix time> <METHOD> <path> <status> <body bytes sent>";
                      a failed TLS handshake logs "- - tls-handshake-failed 0".
                      Every connection leaves a line, so an empty log proves that
                      nothing was fetched.
  STATE/fault         read on every request (absent or empty: no fault). One line
                      "MODE [ARG] [GLOB]"; GLOB (fnmatch on the URL path, default
                      "*") limits the fault to matching paths, others are served
                      normally:
                        none                 serve normally
                        404 [GLOB]           answer 404 Not Found
                        drop [GLOB]          announce the full Content-Length, send
                                             half of the body, then reset the
                                             connection (a server dying mid-transfer)
                        truncate [GLOB]      a complete response holding only the
                                             first half of the file (Content-Length
                                             of that half): a truncated file
                        corrupt [GLOB]       the right length, every byte flipped
                                             (a hash mismatch)
                        delay SECONDS [GLOB] wait SECONDS before answering
                      Write it atomically (write a temp file, then rename), as
                      streams_fault in streams_lib.sh does.

--tls-cert/--tls-key serve HTTPS instead (the handshake happens in the request's
thread, so a client speaking plain HTTP to it only fails its own connection).
--parent-pid makes the server exit when that process is gone, so a test that dies
never leaves it behind. SIGTERM stops it.
"""

import argparse
import fnmatch
import http.server
import os
import posixpath
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

CHUNK = 1 << 16


class State:
    def __init__(self, root, state_dir):
        self.root = os.path.realpath(root)
        self.state_dir = state_dir
        self.log_lock = threading.Lock()
        self.log_path = os.path.join(state_dir, "requests.log")
        open(self.log_path, "a").close()

    def log(self, method, path, status, sent):
        line = "%.3f %s %s %s %d\n" % (time.time(), method, path, status, sent)
        with self.log_lock, open(self.log_path, "a") as f:
            f.write(line)
            f.flush()

    def fault_for(self, path):
        """(mode, arg) for this path; ("none", None) when no fault applies."""
        try:
            with open(os.path.join(self.state_dir, "fault")) as f:
                words = f.read().split()
        except FileNotFoundError:
            return "none", None
        if not words or words[0] == "none":
            return "none", None
        mode, rest = words[0], words[1:]
        arg = None
        if mode == "delay":
            arg = float(rest[0]) if rest else 1.0
            rest = rest[1:]
        pattern = rest[0] if rest else "*"
        if not fnmatch.fnmatchcase(path, pattern):
            return "none", None
        return mode, arg


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nest-streams-test/1"

    def log_message(self, fmt, *args):  # the request log replaces stderr chatter
        pass

    def _file(self, url_path):
        """The file under root for url_path, or None (outside root, missing, a directory)."""
        rel = posixpath.normpath(urllib.parse.unquote(url_path)).lstrip("/")
        full = os.path.realpath(os.path.join(self.server.state.root, rel))
        if full != self.server.state.root and not full.startswith(self.server.state.root + os.sep):
            return None
        return full if os.path.isfile(full) else None

    def _answer(self, head_only):
        state = self.server.state
        path = urllib.parse.urlsplit(self.path).path
        mode, arg = state.fault_for(path)
        if mode == "delay":
            time.sleep(arg)
        full = None if mode == "404" else self._file(path)
        if full is None:
            body = b"404 not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(body)
            state.log(self.command, path, 404, 0 if head_only else len(body))
            return
        with open(full, "rb") as f:
            data = f.read()
        status, body, length = 200, data, len(data)
        if mode == "truncate":
            body = data[: len(data) // 2]
            length = len(body)
        elif mode == "corrupt":
            body = bytes(b ^ 0xFF for b in data)
        elif mode == "drop":
            body = data[: len(data) // 2]
        self.send_response(status)
        ctype = "application/json" if full.endswith(".json") else "application/octet-stream"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        sent = 0
        if not head_only:
            for i in range(0, len(body), CHUNK):
                self.wfile.write(body[i : i + CHUNK])
                sent += len(body[i : i + CHUNK])
            self.wfile.flush()
        if mode == "drop" and not head_only:
            state.log(self.command, path, "200-dropped", sent)
            self._reset()
            return
        state.log(self.command, path, status, sent)

    def _reset(self):
        """Close the connection with a TCP reset: the transfer dies mid-file."""
        self.close_connection = True
        raw = self.connection
        try:
            if isinstance(raw, ssl.SSLSocket):
                raw = socket.socket(fileno=raw.detach())
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
        except OSError:
            pass

    def do_GET(self):
        self._answer(head_only=False)

    def do_HEAD(self):
        self._answer(head_only=True)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, state, tls_context):
        self.state = state
        self.tls_context = tls_context
        super().__init__(("127.0.0.1", port), Handler)

    def finish_request(self, request, client_address):
        if self.tls_context is None:
            return super().finish_request(request, client_address)
        request.settimeout(30)
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.state.log("-", "-", "tls-handshake-failed", 0)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def watch_parent(pid, server):
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            server.shutdown()
            return
        except PermissionError:
            pass
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--parent-pid", type=int)
    args = ap.parse_args()

    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    state = State(args.root, args.state)
    server = Server(args.port, state, tls)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if args.parent_pid:
        threading.Thread(target=watch_parent, args=(args.parent_pid, server), daemon=True).start()
    port_file = os.path.join(args.state, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
