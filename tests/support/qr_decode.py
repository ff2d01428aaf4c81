"""A small QR code reader for tests: a clean PNG (as served) back to its text.

Written from the QR code specification (ISO/IEC 18004) so that tests check what a phone would
read, not what the library that drew the code meant. It reads undamaged, unrotated codes in
byte, alphanumeric or numeric mode, without error correction (a served PNG has no damage),
and needs nothing beyond the standard library.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Error correction codewords per block and number of blocks, per level (L, M, Q, H) and version.
ECC_PER_BLOCK = {
    "L": (7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28,
          30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28,
          28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30,
          30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24,
          30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}  # fmt: skip
BLOCKS = {
    "L": (1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
          14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21,
          23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27,
          29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32,
          35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}  # fmt: skip
LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def png_pixels(data: bytes) -> list[list[bool]]:
    """Dark (True) and light pixels of a greyscale, indexed-colour or RGB(A) PNG."""
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    pos, idat, palette = len(PNG_SIGNATURE), b"", b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat += body
    assert interlace == 0, "interlaced PNGs are not supported"
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bits = depth * channels
    stride, step = (width * bits + 7) // 8, max(1, bits // 8)
    raw, rows, previous = zlib.decompress(idat), [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        row = _unfilter(line[0], bytearray(line[1:]), previous, step)
        values = _samples(row, width, depth, channels)
        if colour == 3:  # palette index -> grey level of the palette colour
            values = [sum(palette[3 * v : 3 * v + 3]) // 3 for v in values]
        top = (1 << depth) - 1 if colour != 3 else 255
        rows.append([v < (top + 1) // 2 for v in values])
        previous = row
    return rows


def _unfilter(kind: int, row: bytearray, above: bytearray, step: int) -> bytearray:
    for x in range(len(row)):
        left = row[x - step] if x >= step else 0
        up, corner = above[x], above[x - step] if x >= step else 0
        if kind == 1:
            row[x] = (row[x] + left) & 0xFF
        elif kind == 2:
            row[x] = (row[x] + up) & 0xFF
        elif kind == 3:
            row[x] = (row[x] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            row[x] = (row[x] + best) & 0xFF
    return row


def _samples(row: bytearray, width: int, depth: int, channels: int) -> list[int]:
    """The first channel's value of each pixel (grey, palette index, or red)."""
    if depth >= 8:
        size = depth // 8
        return [row[x * channels * size] for x in range(width)]
    per_byte, mask = 8 // depth, (1 << depth) - 1
    return [(row[x // per_byte] >> (8 - depth * (x % per_byte + 1))) & mask for x in range(width)]


def modules(pixels: list[list[bool]]) -> list[list[bool]]:
    """The code's module matrix: the quiet zone is found, the module size from the finder."""
    top = next(y for y, row in enumerate(pixels) if any(row))
    left = pixels[top].index(True)
    scale = 0
    while pixels[top][left + scale]:
        scale += 1
    scale //= 7  # the finder pattern's top edge is 7 modules wide
    right = max(x for x, dark in enumerate(pixels[top]) if dark)
    size = (right - left + 1) // scale
    half = scale // 2
    return [[pixels[top + r * scale + half][left + c * scale + half] for c in range(size)]
            for r in range(size)]  # fmt: skip


def _alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    size = version * 4 + 17
    return [6, *reversed([size - 7 - i * step for i in range(count - 1)])]


def _function_modules(version: int) -> list[list[bool]]:
    """True where finder, timing, alignment, format and version patterns are."""
    size = version * 4 + 17
    used = [[False] * size for _ in range(size)]

    def mark(row: int, col: int, height: int, width: int) -> None:
        for r in range(max(row, 0), min(row + height, size)):
            for c in range(max(col, 0), min(col + width, size)):
                used[r][c] = True

    for row, col in ((0, 0), (0, size - 8), (size - 8, 0)):
        mark(row, col, 8, 8)  # finders with separators
    mark(6, 0, 1, size)
    mark(0, 6, size, 1)  # timing patterns
    positions = _alignment_positions(version)
    corners = {(6, 6), (6, size - 7), (size - 7, 6)}
    for r in positions:
        for c in positions:
            if (r, c) not in corners:
                mark(r - 2, c - 2, 5, 5)
    mark(8, 0, 1, 9)
    mark(0, 8, 9, 1)
    mark(8, size - 8, 1, 8)
    mark(size - 8, 8, 8, 1)  # format information and the dark module
    if version >= 7:
        mark(0, size - 11, 6, 3)
        mark(size - 11, 0, 3, 6)
    return used


def _format(matrix: list[list[bool]]) -> tuple[str, int]:
    """Error correction level and mask, from the format bits next to the top-left finder."""
    cells = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    read = sum(matrix[r][c] << (14 - i) for i, (r, c) in enumerate(cells))

    def encoded(data: int) -> int:
        remainder = data << 10
        for bit in range(14, 9, -1):
            if remainder >> bit & 1:
                remainder ^= 0b10100110111 << (bit - 10)
        return ((data << 10) | remainder) ^ 0b101010000010010

    data = min(range(32), key=lambda d: bin(encoded(d) ^ read).count("1"))
    return LEVELS[data >> 3], data & 0b111


def _codewords(matrix: list[list[bool]], version: int, mask: int) -> list[int]:
    size, used, bits = len(matrix), _function_modules(version), []
    right, upward = size - 1, True
    while right > 0:
        if right == 6:
            right -= 1  # the vertical timing pattern
        rows = range(size - 1, -1, -1) if upward else range(size)
        for r in rows:
            for c in (right, right - 1):
                if not used[r][c]:
                    bits.append(matrix[r][c] ^ MASKS[mask](r, c))
        right, upward = right - 2, not upward
    return [int("".join("1" if b else "0" for b in bits[i : i + 8]), 2)
            for i in range(0, len(bits) - 7, 8)]  # fmt: skip


def _data_codewords(codewords: list[int], version: int, level: str) -> list[int]:
    """Undo the interleaving of the blocks; only the data codewords are kept."""
    blocks, ecc = BLOCKS[level][version - 1], ECC_PER_BLOCK[level][version - 1]
    short_count = blocks - len(codewords) % blocks
    short_data = len(codewords) // blocks - ecc
    lengths = [short_data if b < short_count else short_data + 1 for b in range(blocks)]
    data: list[list[int]] = [[] for _ in range(blocks)]
    position = 0
    for index in range(short_data + 1):
        for b in range(blocks):
            if index < lengths[b]:
                data[b].append(codewords[position])
                position += 1
    return [word for block in data for word in block]


def _text(data: list[int], version: int) -> str:
    bits = "".join(f"{word:08b}" for word in data)
    pos, out = 0, bytearray()

    def take(count: int) -> int:
        nonlocal pos
        pos += count
        return int(bits[pos - count : pos] or "0", 2)

    band = 0 if version <= 9 else 1 if version <= 26 else 2
    while pos + 4 <= len(bits):
        mode = take(4)
        if mode == 0b0000:
            break
        if mode == 0b0100:  # byte
            out += bytes(take(8) for _ in range(take((8, 16, 16)[band])))
        elif mode == 0b0010:  # alphanumeric
            count = take((9, 11, 13)[band])
            for _ in range(count // 2):
                pair = take(11)
                out += (ALPHANUMERIC[pair // 45] + ALPHANUMERIC[pair % 45]).encode()
            if count % 2:
                out += ALPHANUMERIC[take(6)].encode()
        elif mode == 0b0001:  # numeric
            count = take((10, 12, 14)[band])
            while count > 0:
                digits = min(count, 3)
                out += str(take((4, 7, 10)[digits - 1])).zfill(digits).encode()
                count -= digits
        else:
            raise ValueError(f"QR mode {mode:04b} is not supported")
    return out.decode("utf-8")


def read_matrix(matrix: list[list[bool]]) -> str:
    """The text of a QR code given as its module matrix (True = dark)."""
    version = (len(matrix) - 17) // 4
    level, mask = _format(matrix)
    return _text(_data_codewords(_codewords(matrix, version, mask), version, level), version)


def read_png(data: bytes) -> str:
    """The text of the QR code in a PNG."""
    return read_matrix(modules(png_pixels(data)))


def svg_pixels(data: bytes) -> list[list[bool]]:
    """Dark and light unit squares of an SVG that draws the code as one path of line segments.

    The path (as QR writers draw it) moves with M/m and draws horizontal strokes with h/H through
    the middle of each module row; it is scaled by a transform, so its units are modules.
    """
    svg = ElementTree.fromstring(data)
    path = svg.find("{http://www.w3.org/2000/svg}path")
    assert path is not None, "the SVG has no path"
    transform = re.fullmatch(r"scale\(([\d.]+)\)", path.get("transform", "scale(1)"))
    assert transform, "only a scaling transform is supported"
    scale = float(transform[1])
    size = round(float(svg.get("width", "0")) / scale)
    pixels = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])\s*([-\d.\s]+)", path.get("d", "")):
        values = [float(n) for n in numbers.split()]
        if command in "Mm":
            dx, dy = values
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        else:
            end = values[0] if command == "H" else x + values[0]
            for column in range(round(x), round(end)):
                pixels[int(y)][column] = True
            x = end
    return pixels


def read_svg(data: bytes) -> str:
    """The text of the QR code in an SVG."""
    return read_matrix(modules(svg_pixels(data)))
