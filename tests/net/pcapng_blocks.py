#!/usr/bin/env python3
"""Reads a pcapng file's blocks (little-endian, as procwire writes) and
prints one line: SHB IDB EPB ISB counts, the sum of isb_ifrecv and the
type of the last block. Exits 1 on a malformed file."""
import struct
import sys


def main(path):
    data = open(path, 'rb').read()
    off, counts, recv, last = 0, {1: 0, 6: 0, 5: 0, 0x0A0D0D0A: 0}, 0, 0
    while off < len(data):
        if off + 12 > len(data):
            return 1
        btype, blen = struct.unpack_from('<II', data, off)
        if blen < 12 or blen % 4 or off + blen > len(data):
            return 1
        if struct.unpack_from('<I', data, off + blen - 4)[0] != blen:
            return 1
        counts[btype] = counts.get(btype, 0) + 1
        if btype == 5:  # ISB: options after if id and 8-byte timestamp
            o = off + 8 + 12
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack_from('<HH', data, o)
                if code == 0:
                    break
                if code == 4 and olen == 8:
                    recv += struct.unpack_from('<Q', data, o + 4)[0]
                o += 4 + (olen + 3) // 4 * 4
        last = btype
        off += blen
    print(counts[0x0A0D0D0A], counts[1], counts[6], counts[5], recv, last)
    return 0


sys.exit(main(sys.argv[1]))
