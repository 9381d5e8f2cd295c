"""The cluster DNS of the data path tier: answers A queries for the names in the tier's hosts file
(read again whenever it changes) and NXDOMAIN for anything else, on the hub's address, port 53.
Pods need one: Nessie's cache invalidation resolves its peers' Service through its own DNS client, not
the hosts file (as in a cluster, where every pod has a nameserver). Run by pods.Cluster.up()."""
from __future__ import annotations

import os
import socket
import struct
import sys


def load(path: str) -> dict:
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split("#", 1)[0].split()
            for name in parts[1:]:
                out[name.lower().rstrip(".")] = parts[0]
    return out


def answer(query: bytes, names: dict) -> bytes:
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return struct.pack("!HHHHHH", qid, 0x8000 | 0x0100 & flags | 0x0080 | 4, 0, 0, 0, 0)  # NOTIMP
    pos, labels = 12, []
    while query[pos]:
        labels.append(query[pos + 1:pos + 1 + query[pos]].decode("ascii", "replace"))
        pos += 1 + query[pos]
    qtype, _qclass = struct.unpack("!HH", query[pos + 1:pos + 5])
    question = query[12:pos + 5]
    name = ".".join(labels).lower()
    ip = names.get(name)
    rcode = 0 if ip else 3                      # NXDOMAIN for a name the cluster does not have
    answers = b""
    if ip and qtype == 1:
        answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(ip)
    head = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 1, 1 if answers else 0, 0, 0)
    return head + question + answers


def main(hosts: str, address: str) -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    names, seen = {}, None
    while True:
        query, peer = sock.recvfrom(1500)
        mtime = os.stat(hosts).st_mtime_ns
        if mtime != seen:
            names, seen = load(hosts), mtime
        try:
            sock.sendto(answer(query, names), peer)
        except (IndexError, struct.error, UnicodeError):
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
