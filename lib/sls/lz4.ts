import { createRequire } from 'node:module';
import { SlsDecodeError } from './errors.ts';

/** The one lz4js function used; the package ships no types. */
interface Lz4js {
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
}

const lz4js = createRequire(import.meta.url)('lz4js') as Lz4js;

const MIN_MATCH = 4;

/**
 * Walks the sequences of a raw LZ4 block the way lz4js's `decompressBlock` does, without copying, and
 * returns the decompressed length. lz4js checks nothing: a length running past the input reads
 * `undefined`, an offset of 0 or beyond the output copies zeros, and writes past the end of the output
 * are dropped, so a corrupt block would decode to plausible garbage. This pass rejects exactly those.
 */
function decompressedLength(src: Uint8Array): number {
  const end = src.length;
  let s = 0;
  let d = 0;
  const length = (start: number): number => {
    let n = start;
    let byte: number;
    do {
      if (s >= end) throw new SlsDecodeError('lz4', `LZ4 block truncated in a length at byte ${s} of ${end}`);
      byte = src[s++] ?? 0;
      n += byte;
    } while (byte === 0xff);
    return n;
  };
  while (s < end) {
    const token = src[s++] ?? 0;
    let literals = token >>> 4;
    if (literals === 0xf) literals = length(literals);
    if (s + literals > end) {
      throw new SlsDecodeError('lz4', `LZ4 block truncated: ${literals} literals at byte ${s} run past its ${end} bytes`);
    }
    s += literals;
    d += literals;
    // The last sequence is literals only.
    if (s >= end) break;
    if (s + 2 > end) throw new SlsDecodeError('lz4', `LZ4 block truncated in a match offset at byte ${s} of ${end}`);
    const offset = (src[s] ?? 0) | ((src[s + 1] ?? 0) << 8);
    s += 2;
    if (offset === 0 || offset > d) {
      throw new SlsDecodeError('lz4', `corrupt LZ4 block: match offset ${offset} at byte ${s - 2} points before the output start (${d} bytes out)`);
    }
    let match = token & 0xf;
    if (match === 0xf) match = length(match);
    d += match + MIN_MATCH;
  }
  return d;
}

/**
 * Decompresses one raw LZ4 block (no frame, no size prefix) to exactly `rawSize` bytes.
 * @internal
 */
export function decompressLz4Block(src: Uint8Array, rawSize: number): Uint8Array {
  const size = decompressedLength(src);
  if (size !== rawSize) {
    throw new SlsDecodeError('size', `LZ4 block decompresses to ${size} bytes, x-log-bodyrawsize says ${rawSize}`);
  }
  const out = Buffer.allocUnsafe(rawSize);
  const written = lz4js.decompressBlock(src, out, 0, src.length, 0);
  // The walk above mirrors lz4js, so this only fires if lz4js changes under us.
  if (written !== rawSize) throw new SlsDecodeError('lz4', `lz4js wrote ${written} bytes, expected ${rawSize}`);
  return out;
}
