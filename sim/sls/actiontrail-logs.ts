/**
 * ActionTrail events as a trail delivers them to its logstore (research/alibaba.md §4): one log
 * per event with the whole event as a JSON string in `event`, `__topic__` `actiontrail_audit_event`
 * (or the `actiontrail_event` variant, which also has `owner_id`). The events themselves come
 * from the ActionTrail simulator's generator, so both simulators describe the same events.
 */
import { createHash } from 'node:crypto';
import { generateEvents } from '../actiontrail/data.ts';
import type { ShardStore } from './shard-store.ts';
import type { SlsSimActionTrailOptions, SlsSimLog } from './types.ts';

export const AUDIT_TOPIC = 'actiontrail_audit_event';
export const VARIANT_TOPIC = 'actiontrail_event';

/** A deterministic roll in [0, 1) per (seed, purpose, id), so outcomes do not depend on order. */
const roll = (seed: number, purpose: string, id: string): number =>
  createHash('md5').update(`${seed}/${purpose}/${id}`).digest().readUInt32BE(0) / 2 ** 32;

const rate = (name: string, value: number | undefined): number => {
  const r = value ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${r}`);
  return r;
};

export function writeActionTrailEvents(
  store: ShardStore,
  options: SlsSimActionTrailOptions & { seed: number },
): Array<{ shard: number; event: Record<string, unknown> | string }> {
  const perGroup = options.perGroup ?? 10;
  if (!Number.isSafeInteger(perGroup) || perGroup < 1) throw new RangeError(`perGroup must be a positive integer, got ${perGroup}`);
  const badJsonRate = rate('badJsonRate', options.badJsonRate);
  const variantRate = rate('topicVariantRate', options.topicVariantRate);
  const { seed } = options;
  const events = generateEvents({ count: options.count, fromSeconds: options.fromSeconds, toSeconds: options.toSeconds, seed }, () => false);

  const open = new Map<number, { topic: string; logs: SlsSimLog[]; newest: number; key: string }>();
  const flush = (shard: number): void => {
    const group = open.get(shard);
    if (group === undefined) return;
    open.delete(shard);
    // Trails deliver "within 1 minute": received 1–59 s after the group's newest event.
    const delay = 1 + Math.floor(roll(seed, 'delay', group.key) * 59);
    const last = store.get(shard)?.groups.at(-1)?.receiveTime ?? 0;
    store.write(shard, [{ topic: group.topic, logs: group.logs, receiveTime: Math.max(last, group.newest + delay) }], 0);
  };

  const written = events.map((event) => {
    const eventId = String(event['eventId']);
    const second = Date.parse(String(event['eventTime'])) / 1000;
    const shard = store.shardForKey(createHash('md5').update(eventId).digest('hex'));
    let group = open.get(shard);
    if (group === undefined) {
      group = { topic: roll(seed, 'topic', eventId) < variantRate ? VARIANT_TOPIC : AUDIT_TOPIC, logs: [], newest: second, key: eventId };
      open.set(shard, group);
    }
    const json = JSON.stringify(event);
    const bad = roll(seed, 'bad', eventId) < badJsonRate;
    // A cut-off JSON document, as a truncated delivery would leave it.
    const text = bad ? json.slice(0, Math.floor(json.length / 2)) : json;
    const account = (event['userIdentity'] as { accountId?: string } | undefined)?.accountId ?? '';
    group.logs.push({ time: second, contents: group.topic === VARIANT_TOPIC ? { event: text, owner_id: account } : { event: text } });
    group.newest = Math.max(group.newest, second);
    if (group.logs.length >= perGroup) flush(shard);
    return { shard, event: bad ? text : event };
  });
  for (const shard of [...open.keys()]) flush(shard);
  return written;
}
