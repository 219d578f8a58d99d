#!/usr/bin/python3
"""A scripted, hostile peer of `tcplab serve` for the agent_* integration tests.

It speaks the real framing (src/ctl/frame.h: "TLAB", version, type, length, JSON payload):

  proxy    forwards every connection to the agent, watches the control connection's frames,
           and when a chosen message has passed, acts: kills the real client (SIGKILL or
           SIGINT), closes, resets, or sends ERROR. It can hold back a message (drop) and
           record the client's control bytes and its TEST body.
  replay   sends recorded client bytes to the agent on a fresh connection, prints the answer.
  frame    sends HELLO then one frame of a given type and length, streaming its payload,
           and reports how many bytes the agent took before it closed.
  hold     opens N connections that greet (magic only, or a whole HELLO) and then go silent.
  test     HELLO, then a given TEST body; prints the answer and keeps the connection open
           without opening data connections until the agent closes it.

Every mode is bounded in time; every socket it opens is closed when it exits.
"""
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

TYPES = {"HELLO": 1, "WELCOME": 2, "TEST": 3, "ACCEPT": 4, "READY": 5, "START": 6,
         "INTERVAL": 7, "DONE": 8, "RESULTS": 9, "ERROR": 10, "AUTH": 11, "AUTHOK": 12}
NAMES = {v: k for k, v in TYPES.items()}


def frame(mtype, body):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return b"TLAB" + struct.pack(">HHI", 1, TYPES[mtype], len(payload)) + payload


def recv_frame(sock, deadline):
    """One frame or None when the peer closed or time ran out."""
    buf = b""
    want = 12
    while len(buf) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(want - len(buf))
        except (socket.timeout, OSError):
            return None
        if not chunk:
            return None
        buf += chunk
        if len(buf) == 12 and want == 12:
            want = 12 + struct.unpack(">I", buf[8:12])[0]
    mtype = struct.unpack(">H", buf[6:8])[0]
    try:
        body = json.loads(buf[12:]) if len(buf) > 12 else {}
    except ValueError:
        body = {}
    return NAMES.get(mtype, str(mtype)), body


class FrameWatcher:
    """Splits one direction's byte stream into frames, calling back on each complete one."""

    def __init__(self, on_frame):
        self.buf = b""
        self.on_frame = on_frame

    def feed(self, data):
        """Returns the bytes to forward now (a dropped frame is cut out)."""
        self.buf += data
        out = b""
        while len(self.buf) >= 12:
            n = 12 + struct.unpack(">I", self.buf[8:12])[0]
            if len(self.buf) < n:
                break
            raw, self.buf = self.buf[:n], self.buf[n:]
            mtype = NAMES.get(struct.unpack(">H", raw[6:8])[0], "?")
            if self.on_frame(mtype, raw):
                out += raw
        return out


def proxy(args):
    """proxy AGENT_PORT PORT_FILE AT ACTION PID_FILE [drop=TYPE] [record=PREFIX] [seconds=N]

    AT is DIR:TYPE (c for client to agent, a for agent to client), e.g. a:READY; ACTION is
    kill9, int, close, rst, error or none."""
    agent_port, port_file, at, action, pid_file = args[:5]
    opts = dict(a.split("=", 1) for a in args[5:])
    life = float(opts.get("seconds", "60"))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(256)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    fired = threading.Event()
    end = time.monotonic() + life

    def act(up):
        print("fired %s after %s" % (action, at), flush=True)
        if action in ("kill9", "int"):
            pid = int(open(pid_file).read())
            try:
                os.kill(pid, signal.SIGKILL if action == "kill9" else signal.SIGINT)
            except ProcessLookupError:
                pass  # it had already finished
        elif action == "error":
            up.sendall(frame("ERROR", {"error": "proxy: injected error"}))
            up.close()
        elif action == "rst":
            up.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            up.close()
        elif action == "close":
            up.close()
        elif action == "big":
            # a 63 MiB RESULTS frame toward the agent, streamed; how much it took is printed
            up.sendall(b"TLAB" + struct.pack(">HHI", 1, TYPES["RESULTS"], 63 << 20))
            print("big sent", stream_bytes(up, 63 << 20), flush=True)

    def pump(down):
        up = socket.create_connection(("127.0.0.1", int(agent_port)))
        ctl = None
        record = open(opts["record"] + ".bytes", "ab") if "record" in opts else None
        watchers = {}

        def on_frame(direction, mtype, raw):
            if record and direction == "c":
                record.write(raw)
                record.flush()
            if record and direction == "a":
                with open(opts["record"] + ".sizes", "a") as f:
                    f.write("%s %d\n" % (mtype, len(raw) - 12))
            if "record" in opts and direction == "c" and mtype == "TEST":
                with open(opts["record"] + ".test.json", "wb") as f:
                    f.write(raw[12:])
            keep = mtype not in opts.get("drop", "").split(",")
            if not fired.is_set() and at == "%s:%s" % (direction, mtype):
                fired.set()
                pending.append(1)
                # Said now: a client may end on its own within the pause before the action
                # (after RESULTS it always does), and the step was reached all the same.
                print("reached %s" % at, flush=True)
            return keep

        pending = []
        pair = {down.fileno(): (down, up, "c"), up.fileno(): (up, down, "a")}
        poller = select.poll()
        poller.register(down, select.POLLIN)
        poller.register(up, select.POLLIN)
        try:
            while time.monotonic() < end:
                for fd, _ in poller.poll(200):
                    s, other, direction = pair[fd]
                    data = s.recv(65536)
                    if not data:
                        return
                    if ctl is None:
                        ctl = data[:4] == b"TLAB"
                        if ctl:
                            watchers = {"c": FrameWatcher(lambda t, raw: on_frame("c", t, raw)),
                                        "a": FrameWatcher(lambda t, raw: on_frame("a", t, raw))}
                    if ctl:
                        data = watchers[direction].feed(data)
                    if data:
                        other.sendall(data)
                    if pending:
                        pending.pop()
                        time.sleep(0.05)  # let the message reach its reader first
                        act(up)
                        if action in ("error", "rst", "close"):
                            return
        except OSError:
            return
        finally:
            for s in (down, up):
                try:
                    s.close()
                except OSError:
                    pass
            if record:
                record.close()

    ls.settimeout(0.2)
    while time.monotonic() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=pump, args=(c,), daemon=True).start()


def replay(args):
    """replay AGENT_PORT FILE: sends FILE's bytes on a new connection, prints every frame back."""
    port, path = int(args[0]), args[1]
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(open(path, "rb").read())
    deadline = time.monotonic() + 5
    while True:
        f = recv_frame(s, deadline)
        if f is None:
            break
        print(f[0], json.dumps(f[1]), flush=True)
    s.close()


def stream_bytes(s, length, seconds=20):
    """Sends up to length bytes of a JSON-looking payload until the peer stops taking them."""
    sent = 0
    chunk = b"[0," * 21845 + b"0]"
    deadline = time.monotonic() + seconds
    s.settimeout(1)
    while sent < length and time.monotonic() < deadline:
        try:
            sent += s.send(chunk[:min(len(chunk), length - sent)])
        except socket.timeout:
            continue
        except OSError:
            break
    return sent


def hello():
    return frame("HELLO", {"tcplab": "0.1.0", "workload": "stream"})


def big_frame(args):
    """frame AGENT_PORT TYPE LEN [test=FILE]: HELLO (and TEST from FILE, up to ACCEPT), then
    one frame of TYPE announcing LEN bytes, whose payload is streamed while the agent takes it."""
    port, mtype, length = int(args[0]), args[1], int(args[2])
    opts = dict(a.split("=", 1) for a in args[3:])
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
    s.sendall(hello())
    got = recv_frame(s, time.monotonic() + 5)
    print("answer1", got[0] if got else "none", flush=True)
    if "test" in opts:
        s.sendall(frame("TEST", open(opts["test"], "rb").read()))
        got = recv_frame(s, time.monotonic() + 5)
        print("answer1", got[0] if got else "none", flush=True)
    s.sendall(b"TLAB" + struct.pack(">HHI", 1, TYPES[mtype], length))
    sent = stream_bytes(s, length)
    got = recv_frame(s, time.monotonic() + 3)
    print("sent", sent, flush=True)
    print("answer2", got[0] if got else "none", json.dumps(got[1]) if got else "", flush=True)
    s.close()


def hold(args):
    """hold AGENT_PORT N SECONDS none|magic|hello [src=ADDR]: N connections that send nothing,
    or greet, then go silent; prints how many the agent closed within SECONDS."""
    port, n, secs, how = int(args[0]), int(args[1]), float(args[2]), args[3]
    opts = dict(a.split("=", 1) for a in args[4:])
    socks, closed = [], 0
    for _ in range(n):
        try:
            s = socket.socket()
            if "src" in opts:
                s.bind((opts["src"], 0))
            s.connect(("127.0.0.1", port))
            if how != "none":
                s.sendall(b"TLAB" if how == "magic" else hello())
            socks.append(s)
        except OSError:
            closed += 1
    print("opened", len(socks), "failed", closed, flush=True)
    end = time.monotonic() + secs
    alive = list(socks)
    byfd = {s.fileno(): s for s in socks}
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    while alive and time.monotonic() < end:
        for fd, _ in poller.poll(200):
            s = byfd[fd]
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                poller.unregister(fd)
                alive.remove(s)
    print("closed_by_agent", len(socks) - len(alive), "of", len(socks), flush=True)
    for s in socks:
        s.close()


def error(args):
    """error AGENT_PORT TEXT_FILE: HELLO, then an ERROR whose text is the file's bytes."""
    port, path = int(args[0]), args[1]
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hello())
    recv_frame(s, time.monotonic() + 5)
    text = open(path, "rb").read().decode("utf-8", "replace")
    s.sendall(frame("ERROR", {"error": text}))
    recv_frame(s, time.monotonic() + 3)
    s.close()


def addr_bytes(sockaddr):
    """16-byte IPv6 (IPv4 mapped) and big-endian port, as src/ctl/auth.c writes them."""
    host, port = sockaddr[0], sockaddr[1]
    if ":" in host:
        raw = socket.inet_pton(socket.AF_INET6, host)
    else:
        raw = b"\0" * 10 + b"\xff\xff" + socket.inet_aton(host)
    return raw + struct.pack(">H", port)


def auth(args):
    """auth AGENT_PORT KEY_FILE TEST_JSON record=FILE [truncate=1]: the client's handshake
    with authentication (ctl/auth.h), written here from the protocol's description."""
    import hashlib
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    port, key_file, test_file = int(args[0]), args[1], args[2]
    opts = dict(a.split("=", 1) for a in args[3:])
    seed = bytes.fromhex(open(key_file).read().split()[1])
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    s = socket.create_connection(("127.0.0.1", port))
    sent = b""
    nonce = os.urandom(32)
    out = frame("HELLO", {"tcplab": "0.1.0", "workload": "stream", "nonce": nonce.hex()})
    s.sendall(out)
    sent += out
    got = recv_frame(s, time.monotonic() + 5)
    if not got or got[0] != "WELCOME" or "auth" not in got[1]:
        print("no auth in WELCOME:", got, flush=True)
        return
    welcome = got[1]
    digest = hashlib.blake2b(b"tcplab-auth-v1\0" + bytes.fromhex(welcome["auth"]["nonce"]) + nonce + pk +
                             addr_bytes(s.getpeername()) + addr_bytes(s.getsockname()) +
                             bytes.fromhex(welcome["cookie"]), digest_size=32).digest()
    out = frame("AUTH", {"key": pk.hex(), "sig": sk.sign(digest).hex()})
    if opts.get("truncate"):
        s.sendall(out[:len(out) // 2])
        t0 = time.monotonic()
        got = recv_frame(s, t0 + 20)
        print("truncated: got", got[0] if got else "nothing", json.dumps(got[1]) if got else "",
              "closed_after %.1f" % (time.monotonic() - t0), flush=True)
        s.close()
        return
    out += frame("TEST", open(test_file, "rb").read())
    s.sendall(out)
    sent += out
    got = recv_frame(s, time.monotonic() + 5)
    print("got", got[0] if got else "nothing", json.dumps(got[1])[:300] if got else "", flush=True)
    if "record" in opts:
        open(opts["record"], "wb").write(sent)
    s.close()


def meshbig(args):
    """meshbig PORT: a 63 MiB length on a mesh rendezvous port; prints how much was taken."""
    s = socket.create_connection(("127.0.0.1", int(args[0])))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
    s.sendall(struct.pack(">I", 63 << 20))
    print("sent", stream_bytes(s, 63 << 20), flush=True)
    s.close()


def slowctl(args):
    """slowctl SOCKET_PATH N SECONDS: N connections to a unix control socket that say nothing."""
    path, n, secs = args[0], int(args[1]), float(args[2])
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            socks.append(s)
        except OSError:
            s.close()
    print("holding", len(socks), flush=True)
    time.sleep(secs)
    for s in socks:
        s.close()


def test(args):
    """test AGENT_PORT TEST_JSON_FILE SECONDS: HELLO, TEST, then wait for the agent to close."""
    port, path, secs = int(args[0]), args[1], float(args[2])
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hello())
    print("got", recv_frame(s, time.monotonic() + 5)[0], flush=True)
    s.sendall(frame("TEST", open(path, "rb").read()))
    t0 = time.monotonic()
    end = t0 + secs
    while True:
        f = recv_frame(s, end)
        if f is None:
            break
        print("got", f[0], json.dumps(f[1])[:300], flush=True)
    print("closed_after %.1f" % (time.monotonic() - t0), flush=True)
    s.close()


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    {"proxy": proxy, "replay": replay, "error": error, "auth": auth, "meshbig": meshbig, "slowctl": slowctl, "frame": big_frame, "hold": hold, "test": test}[mode](rest)
