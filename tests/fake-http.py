#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A fake cthulhud for the CLI's tests: answer one request with canned bytes.

    fake-http.py [--hold] SOCKET ANSWER REQUEST

Listen on the Unix socket SOCKET, take one connection, read one request
(its headers, then as many body bytes as its Content-Length says), write
that request to the file REQUEST, send the bytes of the file ANSWER as
they are (in small pieces, so the client reads in more than one go), and
close.  With --hold, keep the connection open after the answer until the
client closes it, and append "client closed first" to REQUEST: a client
that waits for the end of the stream instead of the end of the answer
would make it "server closed first" after a while instead.  Every wait is
bounded, so the script always ends by itself.
"""
import os
import socket
import sys
import time

LIMIT = 20  # seconds for any wait


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


def main():
    args = sys.argv[1:]
    hold = args[0] == "--hold"
    if hold:
        args = args[1:]
    path, answer_file, request_file = args
    with open(answer_file, "rb") as f:
        answer = f.read()
    # Bound and listening before the name appears: no refused connect.
    tmp = path + ".tmp"
    for p in (path, tmp):
        if os.path.exists(p):
            os.unlink(p)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(tmp)
    srv.listen(1)
    os.rename(tmp, path)
    srv.settimeout(LIMIT)
    conn, _ = srv.accept()
    conn.settimeout(LIMIT)
    request = read_request(conn)
    with open(request_file, "wb") as f:
        f.write(request)
    try:
        for i in range(0, len(answer), 7):
            conn.sendall(answer[i:i + 7])
            if i < 64:
                time.sleep(0.001)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client stopped reading: a refused answer
    if hold:
        try:
            closed = conn.recv(1) == b""
        except socket.timeout:
            closed = False
        with open(request_file, "ab") as f:
            f.write(b"\n--\nclient closed first\n" if closed
                    else b"\n--\nserver closed first\n")
    conn.close()
    srv.close()
    os.unlink(path)


if __name__ == "__main__":
    main()
