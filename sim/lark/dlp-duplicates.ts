import type { Random } from './data.ts';

type Item = Readonly<Record<string, unknown>>;

/** A row as a page sends it: the stored row or a key-shuffled copy of it. */
export interface ServedRow {
  readonly item: Item;
  readonly duplicate: boolean;
}

/** JSON with object keys sorted at every depth: equal for rows with the same content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Fisher–Yates; moves the first element to the end when the shuffle changed nothing. */
function shuffled<T>(random: Random, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  if (out.length > 1 && out.every((value, index) => value === list[index])) out.push(out.shift() as T);
  return out;
}

/**
 * The same content with the keys of every object in another order, so a client comparing rows by
 * their serialised text instead of their content sees two different rows.
 */
export function shuffledCopy(random: Random, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((inner: unknown) => shuffledCopy(random, inner));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  return Object.fromEntries(shuffled(random, entries).map(([key, inner]) => [key, shuffledCopy(random, inner)]));
}

const randomIndex = (random: Random, size: number): number => Math.floor(random() * size);

/**
 * The rows a query sends, in order, for pages of `pageSize`: every row once, and with
 * probability `rate` a copy of it later on the same page or on the next one. A page never holds
 * more than `pageSize` rows, so copies push later rows onwards. When `rate > 0` the first page
 * carries a same-page copy (given room) and, if more rows follow, a copy on the next page.
 */
export function planServedRows(rows: readonly Item[], pageSize: number, rate: number, random: Random): ServedRow[] {
  const served: ServedRow[] = [];
  let carried: Item[] = [];
  let next = 0;
  let sawSame = pageSize < 2;
  let sawNext = false;
  while (next < rows.length || carried.length > 0) {
    const incoming = carried;
    carried = [];
    const originals: Item[] = [];
    const sameCopies: Item[] = [];
    const room = (): number => pageSize - incoming.length - originals.length - sameCopies.length;
    while (room() > 0 && next < rows.length) {
      const row = rows[next++] as Item;
      originals.push(row);
      // Two draws per row whatever happens, so forcing one row does not shift the others.
      const duplicated = random() < rate;
      let where = random() < 0.5 ? 'same' : 'next';
      let copy = duplicated;
      if (rate > 0 && !sawSame && room() > 0) [copy, where] = [true, 'same'];
      else if (rate > 0 && !sawNext && room() === 0 && next < rows.length) [copy, where] = [true, 'next'];
      if (!copy) continue;
      if (where === 'same' && room() > 0) {
        sameCopies.push(row);
        sawSame = true;
      } else {
        carried.push(row);
        sawNext = true;
      }
    }
    const page: ServedRow[] = originals.map((item) => ({ item, duplicate: false }));
    for (const row of incoming) page.splice(randomIndex(random, page.length + 1), 0, { item: shuffledCopy(random, row) as Item, duplicate: true });
    for (const row of sameCopies) {
      const at = page.findIndex((entry) => !entry.duplicate && entry.item === row);
      page.splice(at + 1 + randomIndex(random, page.length - at), 0, { item: shuffledCopy(random, row) as Item, duplicate: true });
    }
    served.push(...page);
  }
  return served;
}
