#!/usr/bin/env python3
"""A static HTTP server on 127.0.0.1 for simplestreams tests, with fault modes.

  stream_server.py DIR PORTFILE

Binds an ephemeral port, writes it to PORTFILE, serves DIR. The fault mode is
read from DIR/.fault on each request (so tests switch it without a restart):
  (absent)  serve normally
  drop      image files (not streams/*): full Content-Length, half the body,
            then the connection is closed
  hang      image files: accept, send nothing, keep the connection open
"""
import http.server, os, socketserver, sys, time


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def fault(self):
        try:
            with open(os.path.join(self.directory, ".fault")) as f:
                return f.read().strip()
        except OSError:
            return ""

    def do_GET(self):
        mode = self.fault()
        if mode and not self.path.startswith("/streams/"):
            path = self.translate_path(self.path)
            if mode == "hang":
                time.sleep(600)
                return
            if mode == "drop" and os.path.isfile(path):
                data = open(path, "rb").read()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
        super().do_GET()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    directory, portfile = sys.argv[1], sys.argv[2]
    handler = lambda *a, **k: Handler(*a, directory=directory, **k)
    srv = Server(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
