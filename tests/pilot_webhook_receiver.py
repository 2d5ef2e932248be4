"""A real webhook receiver for the pilot tests: an HTTP server on 127.0.0.1."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "test-webhook-secret"


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on 127.0.0.1 that fails its first `fail_first` deliveries."""

    def __init__(self, fail_first):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.fail_first = fail_first
        self.deliveries = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/metric-gate"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.deliveries.append((self.headers, body))
        failing = len(self.server.deliveries) <= self.server.fail_first
        self.send_response(503 if failing else 204)
        self.end_headers()

    def log_message(self, format, *args):
        pass  # keep the test output quiet


def serve_receivers(settings):
    """Yield a starter of local receivers the settings point to; stop them after."""
    servers = []

    def start(fail_first=0):
        server = Receiver(fail_first)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.NOTIFY_WEBHOOK_URL = server.url
        settings.NOTIFY_WEBHOOK_SECRET = SECRET
        settings.NOTIFY_WEBHOOK_BACKOFF_SECONDS = 0.01
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
