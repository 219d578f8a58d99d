#!/usr/bin/env python3
"""Records the control messages of real tests, for the seed corpus (make-corpus.sh).

A TCP relay on loopback in front of a tcplab agent: every connection is passed through both
ways; on a control connection (its first bytes are "TLAB") each whole frame is also written
to OUT/NNN-<dir>-<type>.bin, dir "c2a" (client to agent) or "a2c", numbered per connection
in order of arrival. Data connections ("TLDA") are passed through unrecorded.

usage: capture.py AGENT_PORT OUT_DIR PORT_FILE
Runs until killed; writes the port it listens on to PORT_FILE once it listens.
"""
import os
import socket
import struct
import sys
import threading

TYPES = {1: "hello", 2: "welcome", 3: "test", 4: "accept", 5: "ready", 6: "start",
         7: "interval", 8: "done", 9: "results", 10: "error"}


class Recorder:
    """Cuts one direction's byte stream into frames and writes each to a file."""

    def __init__(self, out, conn_no, direction, lock, counter):
        self.buf = b""
        self.out, self.conn_no, self.direction = out, conn_no, direction
        self.lock, self.counter = lock, counter
        self.is_ctl = None

    def feed(self, data):
        self.buf += data
        if self.is_ctl is None and len(self.buf) >= 4:
            self.is_ctl = self.buf[:4] == b"TLAB"
        while self.is_ctl and len(self.buf) >= 12:
            _, _, mtype, length = struct.unpack(">4sHHI", self.buf[:12])
            if len(self.buf) < 12 + length:
                return
            frame, self.buf = self.buf[:12 + length], self.buf[12 + length:]
            with self.lock:
                self.counter[0] += 1
                n = self.counter[0]
            name = "%02d-%03d-%s-%s.bin" % (self.conn_no, n, self.direction,
                                           TYPES.get(mtype, "type%d" % mtype))
            with open(os.path.join(self.out, name), "wb") as f:
                f.write(frame)


def pump(src, dst, rec):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            rec.feed(data)
            dst.sendall(data)
    except OSError:
        pass
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    agent_port, out, port_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(128)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    lock, counter, conn_no = threading.Lock(), [0], 0
    while True:
        c, _ = ls.accept()
        a = socket.create_connection(("127.0.0.1", agent_port))
        for s in (c, a):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn_no += 1
        threading.Thread(target=pump, args=(c, a, Recorder(out, conn_no, "c2a", lock, counter)),
                         daemon=True).start()
        threading.Thread(target=pump, args=(a, c, Recorder(out, conn_no, "a2c", lock, counter)),
                         daemon=True).start()


if __name__ == "__main__":
    main()
