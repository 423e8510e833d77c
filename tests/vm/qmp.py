#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the QMP commands a guest test asks for, as a cloud's control plane
would: each serial log line "CPUISO-QMP {...}" holds one command, as QMP
takes it ({"execute": ..., "arguments": ...}).  They run in order, each
once; what QEMU answered goes to stderr.  Exits when QEMU goes away.

    qmp.py QMP_SOCKET SERIAL_LOG
"""
import json
import re
import socket
import sys
import time

REQUEST = re.compile(rb"^CPUISO-QMP (\{.*\})\r?$", re.M)


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.rfile = self.sock.makefile("r")
        self._reply()                       # the greeting
        self.run({"execute": "qmp_capabilities"})

    def _reply(self):
        while True:
            line = self.rfile.readline()
            if not line:
                raise ConnectionError("QMP socket closed")
            msg = json.loads(line)
            if "event" not in msg:          # events come in between
                return msg

    def run(self, req):
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self._reply()


def connect(path):
    for _ in range(600):                    # QEMU creates the socket
        try:
            return Qmp(path)
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.1)
    sys.exit(f"qmp: no QMP socket at {path}")


def main():
    sock_path, log_path = sys.argv[1], sys.argv[2]
    qmp = connect(sock_path)
    done, seen = 0, b""
    while True:
        try:
            with open(log_path, "rb") as f:
                f.seek(len(seen))
                seen += f.read()
        except FileNotFoundError:
            pass
        # complete lines only: a request still being printed waits
        asked = REQUEST.findall(seen[:seen.rfind(b"\n") + 1])
        try:
            for raw in asked[done:]:
                try:
                    req = json.loads(raw)
                except ValueError as e:
                    print(f"qmp: bad request {raw!r}: {e}", file=sys.stderr)
                    continue
                print(f"qmp: {json.dumps(req)} -> {json.dumps(qmp.run(req))}",
                      file=sys.stderr)
            done = len(asked)
            qmp.run({"execute": "query-status"})    # QEMU still there?
        except (ConnectionError, OSError):
            return
        time.sleep(0.2)


if __name__ == "__main__":
    main()
