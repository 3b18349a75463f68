import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GzipOptions } from './types.ts';

const gzipAsync = promisify(gzip);

/**
 * Packs whole lines into gzip members of at most `bufferBytes` uncompressed bytes (a longer line gets
 * a member of its own) and returns them back to back: a receiver that inflates member after member
 * (as Devo does with devo-sdk's zip mode) gets the lines byte for byte. Compression runs on libuv's
 * thread pool, off the event loop.
 * @public
 */
export async function gzipMembers(payload: string, options: GzipOptions = {}): Promise<Buffer> {
  const level = options.level ?? 6;
  const limit = options.bufferBytes ?? 51_200;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be an integer from 0 to 9, got ${level}`);
  if (!(limit > 0)) throw new RangeError(`gzip bufferBytes must be positive, got ${limit}`);
  const members: Promise<Buffer>[] = [];
  const text = Buffer.from(payload, 'utf8');
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + limit, text.length);
    if (end < text.length) {
      // Cut after the last line break inside the limit, or after the first one beyond it.
      const inside = text.lastIndexOf(0x0a, end - 1);
      end = inside >= start ? inside + 1 : text.indexOf(0x0a, end) + 1 || text.length;
    }
    members.push(gzipAsync(text.subarray(start, end), { level }));
    start = end;
  }
  return Buffer.concat(await Promise.all(members));
}
