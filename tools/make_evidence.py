"""Write the small sample photos the example stories attach as evidence (`examples/evidence/`).

    python tools/make_evidence.py

Each is a tiny, valid PNG (a colour gradient with a little deterministic grain), written
with the standard library only, so the files are the same on every run. They stand in for
the customers' photos; `tools/make_examples.py` attaches them with `casekit attach`.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "evidence"
WIDTH, HEIGHT = 96, 72

# file name -> base colour (what the photo is of, roughly)
PHOTOS: dict[str, tuple[int, int, int]] = {
    "jacket-down-leak-1.png": (30, 30, 36),
    "jacket-down-leak-2.png": (44, 40, 48),
    "kettle-base-leak.png": (170, 172, 178),
    "cooker-coating-1.png": (60, 58, 56),
    "cooker-coating-2.png": (82, 76, 70),
    "shirt-cuff-seam.png": (236, 234, 228),
    "cardigan-pilling.png": (184, 150, 112),
}


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png(name: str, base: tuple[int, int, int]) -> bytes:
    grain = random.Random(name)
    rows = bytearray()
    for y in range(HEIGHT):
        rows.append(0)  # filter: none
        for x in range(WIDTH):
            shade = (x + y) // 6 - 12 + grain.randint(-3, 3)
            rows += bytes(max(0, min(255, c + shade)) for c in base)
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, base in PHOTOS.items():
        (OUT / name).write_bytes(png(name, base))
        print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
