"""A socket server standing in for the spec's non-replayable socket source (semantics 2.3).

It lives inside the driver process and hands out each entry at most once ever: the index of
the next undelivered entry is persisted in a state file right after each send, so a restarted
driver continues where the dead one stopped and never re-sends. Entries are sent in chunks of
batch_size lines, one chunk each time the query has caught up (paced delivery), which gives
the spec's batch boundaries.
"""

import os
import socket
import threading
import time


class SocketFeed:
    def __init__(self, lines, batch_size, state_file, trace):
        self.lines = lines
        self.batch_size = batch_size
        self.state_file = state_file
        self.trace = trace
        self.next = int(open(state_file).read()) if os.path.exists(state_file) else 0
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.conn = None
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        c, _ = self.srv.accept()
        self.conn = c
        self.trace("socket connected (next undelivered entry %d)" % self.next)
        self.connected.set()

    @property
    def exhausted(self):
        return self.next >= len(self.lines)

    def send_chunk(self):
        chunk = self.lines[self.next : self.next + self.batch_size]
        self.conn.sendall("".join(line + "\n" for line in chunk).encode())
        self.next += len(chunk)
        with open(self.state_file, "w") as f:
            f.write(str(self.next))
            f.flush()
            os.fsync(f.fileno())
        self.trace("socket sent %s" % " ".join(line.split(",")[0] for line in chunk))


def drive(feed, q, trace, settle=0.6):
    """Feed the query chunk by chunk until every entry was delivered, then let it settle."""
    if not feed.connected.wait(120):
        raise RuntimeError("Spark never connected to the socket feed")
    q.processAllAvailable()  # the first (empty) batch, or the re-run of a logged batch
    while not feed.exhausted:
        feed.send_chunk()
        time.sleep(settle)  # let Spark's reader thread buffer the lines
        q.processAllAvailable()
    time.sleep(settle)
    q.processAllAvailable()
    trace("socket feed done; last batch %s" % (q.lastProgress or {}).get("batchId"))
