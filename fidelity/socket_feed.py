"""A socket server standing in for the spec's non-replayable socket source (semantics 2.3).

It lives inside the driver process and hands out each entry at most once ever: the index of
the next undelivered entry is persisted in a state file right after each send, so a restarted
driver continues where the dead one stopped and never re-sends.

Delivery modes:
* "paced" (the spec's model): batch_size lines at a time. Batch boundaries come from an
  explicit handshake, not from sleeping: after each chunk the feed waits until Spark's socket
  source itself reports holding every line sent on this connection
  (`TextSocketMicroBatchStream.getCurrentOffset`, read through py4j from the running query),
  and only then triggers the next batch (`processAllAvailable`).
* "all_at_once": every remaining line is sent the moment Spark connects (a server faster than
  the query; semantics §10 (33)). The feed still waits until the source holds them all before
  asking the query to catch up.
"""

import os
import socket
import threading
import time

HANDSHAKE_TIMEOUT = 60.0


class SocketFeed:
    def __init__(self, lines, batch_size, state_file, trace, delivery="paced"):
        self.lines = lines
        self.batch_size = batch_size
        self.state_file = state_file
        self.trace = trace
        self.delivery = delivery
        self.next = int(open(state_file).read()) if os.path.exists(state_file) else 0
        self.sent_on_connection = 0  # lines sent on this connection (the source's offset + 1)
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
        self.trace("socket connected (next undelivered entry %d, delivery %s)" % (self.next, self.delivery))
        if self.delivery == "all_at_once" and not self.exhausted:
            self.send(len(self.lines) - self.next)
        self.connected.set()

    @property
    def exhausted(self):
        return self.next >= len(self.lines)

    def send(self, n):
        chunk = self.lines[self.next : self.next + n]
        self.conn.sendall("".join(line + "\n" for line in chunk).encode())
        self.next += len(chunk)
        self.sent_on_connection += len(chunk)
        with open(self.state_file, "w") as f:
            f.write(str(self.next))
            f.flush()
            os.fsync(f.fileno())
        self.trace("socket sent %s" % " ".join(line.split(",")[0] for line in chunk))

    def send_chunk(self):
        self.send(self.batch_size)


def source_offset(q):
    """The offset of the last line Spark's socket source holds (-1: none), or None while the
    query has not built its source yet."""
    sources = q._jsq.streamingQuery().sources()
    if sources.size() == 0:
        return None
    return int(sources.apply(0).getCurrentOffset().offset())


def await_received(feed, q, trace):
    """Handshake: block until the source holds every line sent on this connection."""
    want = feed.sent_on_connection - 1
    deadline = time.time() + HANDSHAKE_TIMEOUT
    while True:
        if q.exception() is not None:
            return  # the query failed; processAllAvailable raises it
        got = source_offset(q)
        if got is not None and got >= want:
            trace("socket handshake: source holds offset %d" % got)
            return
        if time.time() > deadline:
            raise RuntimeError("socket handshake: Spark's source holds offset %s, %d expected, after %.0f s"
                               % (got, want, HANDSHAKE_TIMEOUT))
        time.sleep(0.005)


def drive(feed, q, trace):
    """Feed the query until every entry was delivered, one handshake per chunk."""
    if not feed.connected.wait(120):
        raise RuntimeError("Spark never connected to the socket feed")
    if feed.delivery == "all_at_once":
        await_received(feed, q, trace)
    q.processAllAvailable()  # the first (empty) batch, or the re-run of a logged batch
    while not feed.exhausted:
        feed.send_chunk()
        await_received(feed, q, trace)
        q.processAllAvailable()
    trace("socket feed done; last batch %s" % (q.lastProgress or {}).get("batchId"))
