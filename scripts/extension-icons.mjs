// The extension's icons (16, 32, 48 and 128 px PNG), drawn by code at build time: a
// rounded square in the brand blue with a white bridge (an arch over a deck, two
// piers), each pixel 4x4-supersampled for smooth edges, encoded as RGBA PNG with
// node:zlib (deflate, CRC-32). Nothing is downloaded; the same sizes give the same bytes.
import { crc32, deflateSync } from "node:zlib";

/** The sizes the manifest lists. */
export const ICON_SIZES = [16, 32, 48, 128];

const BLUE = [29, 78, 216];
const WHITE = [255, 255, 255];

/** Inside a rounded square of the unit box (corner radius r). */
function inRoundedSquare(x, y, r) {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Inside the bridge glyph (unit coordinates, y down). */
function inBridge(x, y) {
  const deck = y >= 0.56 && y <= 0.64 && x >= 0.14 && x <= 0.86;
  // The arch: a band between two ellipses over the deck.
  const ax = (x - 0.5) / 0.34;
  const outer = ax * ax + ((y - 0.6) / 0.36) ** 2 <= 1;
  const inner = ax * ax + ((y - 0.6) / 0.26) ** 2 <= 1;
  const arch =
    y <= 0.6 && outer && !(((x - 0.5) / 0.26) ** 2 + ((y - 0.6) / 0.26) ** 2 <= 1 && inner);
  const pier = y >= 0.6 && y <= 0.82 && (Math.abs(x - 0.3) <= 0.045 || Math.abs(x - 0.7) <= 0.045);
  return deck || arch || pier;
}

/** The RGBA pixels of one icon. */
function pixels(size) {
  const n = 4;
  const out = Buffer.alloc(size * size * 4);
  const radius = size <= 16 ? 0.2 : 0.22;
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let cover = 0;
      let glyph = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          if (!inRoundedSquare(x, y, radius)) continue;
          cover++;
          if (inBridge(x, y)) glyph++;
        }
      const i = (py * size + px) * 4;
      const a = cover / (n * n);
      const g = cover ? glyph / cover : 0;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(BLUE[c] * (1 - g) + WHITE[c] * g);
      out[i + 3] = Math.round(a * 255);
    }
  return out;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** One icon as PNG bytes. */
export function iconPng(size) {
  const rgba = pixels(size);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
