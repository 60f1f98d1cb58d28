# mtasts-server.py: an HTTPS server on 127.0.0.1 for tests/e2e/mtasts.sh,
# serving MTA-STS policies by the Host asked for.
#
#   python3 mtasts-server.py PORT ROOT CERT KEY
#
# GET /.well-known/mta-sts.txt for host H answers from ROOT/H/:
#   body      the body, with a Content-Length (none: 404)
#   type      its Content-Type (default text/plain)
#   status    "CODE [LOCATION]" instead of 200, a Location if given
#   nolength  (present) no Content-Length: the body ends with the
#             connection
# Any other path is 404. Prints "listening" once it accepts.
import http.server
import os
import ssl
import sys

port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        d = os.path.join(root, host)
        body_file = os.path.join(d, "body")
        if (self.path != "/.well-known/mta-sts.txt" or "/" in host or
                host.startswith(".") or not os.path.isfile(body_file)):
            self.send_error(404)
            return
        with open(body_file, "rb") as f:
            body = f.read()
        code, location = 200, None
        if os.path.isfile(os.path.join(d, "status")):
            with open(os.path.join(d, "status")) as f:
                w = f.read().split()
            code = int(w[0])
            location = w[1] if len(w) > 1 else None
        ctype = "text/plain"
        if os.path.isfile(os.path.join(d, "type")):
            with open(os.path.join(d, "type")) as f:
                ctype = f.read().strip()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if location:
            self.send_header("Location", location)
        if not os.path.exists(os.path.join(d, "nolength")):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading: the test's point


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that refused the certificate


srv = Server(("127.0.0.1", port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
