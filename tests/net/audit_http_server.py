#!/usr/bin/python3
"""HTTP server for the audit censor test (tests/net/censor.sh).

Answers by the request's Host:
  redirect.test  302 to http://warning.censor-notice.example/ (another
                 second-level domain: what a block page looks like)
  cut.test       starts a 100000-byte reply, sends 2000 bytes, then resets
                 the connection (SO_LINGER 0): a cut in mid-transfer
  anything else  200 with a short page
Usage: audit_http_server.py ADDRESS PORT
"""
import http.server
import socket
import struct
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if host == "redirect.test":
            self.send_response(302)
            self.send_header("Location",
                             "http://warning.censor-notice.example/?blocked")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif host == "cut.test":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 2000)
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
        else:
            body = b"procwire audit test page\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True

    # socketserver half-closes (FIN) before closing; a cut must be a bare
    # RST, so close only: SO_LINGER 0 then turns the close into a reset.
    def shutdown_request(self, request):
        self.close_request(request)


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    if ":" in addr:
        Server.address_family = socket.AF_INET6
    Server((addr, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
