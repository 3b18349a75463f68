/**
 * Consumer groups (research/alibaba.md §3.6), kept small: create/list, heartbeat with
 * server-side shard assignment, checkpoints stored per shard.
 */
import { decodeCursor } from './cursor.ts';
import { errors, type SlsReply } from './replies.ts';
import type { Shard } from './shard-store.ts';

interface Consumer {
  lastSeenMs: number;
  held: number[];
  assigned: number[];
}

interface Group {
  timeout: number;
  order: boolean;
  consumers: Map<string, Consumer>;
  checkpoints: Map<number, { checkpoint: string; updateTime: number; consumer: string }>;
}

const MAX_GROUPS = 30;

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class ConsumerGroups {
  readonly #groups = new Map<string, Group>();

  create(body: Buffer): SlsReply {
    const json = parseJson(body);
    if (!isRecord(json) || typeof json['consumerGroup'] !== 'string' || !/^[a-z0-9_-]{2,128}$/.test(json['consumerGroup'])) {
      return errors.parameterInvalid('body needs consumerGroup (lowercase letters, digits, _ and -), timeout and order');
    }
    const { consumerGroup: name, timeout, order } = json;
    if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1 || typeof order !== 'boolean') {
      return errors.parameterInvalid('timeout must be a positive integer (seconds) and order a boolean');
    }
    if (this.#groups.has(name)) return errors.consumerGroupExist(name);
    if (this.#groups.size >= MAX_GROUPS) return errors.parameterInvalid(`at most ${MAX_GROUPS} consumer groups per logstore`);
    this.#groups.set(name, { timeout, order, consumers: new Map(), checkpoints: new Map() });
    return { status: 200 };
  }

  list(): SlsReply {
    return { status: 200, json: [...this.#groups].map(([name, g]) => ({ name, timeout: g.timeout, order: g.order })) };
  }

  /**
   * Records the shards the consumer holds and answers its assignment: the shards still to read
   * (readwrite, or readonly and not checkpointed at their end) dealt round-robin over the live
   * consumers by name, minus shards another live consumer was given or still reports holding.
   */
  heartbeat(name: string, consumer: string | null, body: Buffer, shards: readonly Shard[], nowMs: number): SlsReply {
    const group = this.#groups.get(name);
    if (group === undefined) return errors.consumerGroupNotExist(name);
    const held = parseJson(body);
    if (consumer === null || consumer === '') return errors.parameterInvalid('consumer is missing');
    if (!Array.isArray(held) || !held.every((id) => Number.isSafeInteger(id))) return errors.parameterInvalid('body must be a JSON array of shard ids');
    const me: Consumer = group.consumers.get(consumer) ?? { lastSeenMs: nowMs, held: [], assigned: [] };
    me.lastSeenMs = nowMs;
    me.held = held as number[];
    group.consumers.set(consumer, me);

    const live = [...group.consumers].filter(([, c]) => c.lastSeenMs >= nowMs - group.timeout * 1000).map(([n]) => n).sort();
    const open = shards
      .filter((shard) => shard.status === 'readwrite' || decodeCursor(group.checkpoints.get(shard.id)?.checkpoint ?? '')?.offset !== shard.groups.length)
      .map((shard) => shard.id)
      .sort((a, b) => a - b);
    // A shard handed to another live consumer stays its own until that consumer stops reporting it.
    const heldByOthers = new Set(live.filter((n) => n !== consumer).flatMap((n) => {
      const other = group.consumers.get(n);
      return [...(other?.held ?? []), ...(other?.assigned ?? [])];
    }));
    const mine = live.indexOf(consumer);
    me.assigned = open.filter((id, i) => i % live.length === mine && !heldByOthers.has(id));
    return { status: 200, json: me.assigned };
  }

  updateCheckpoint(name: string, consumer: string | null, force: string | null, body: Buffer, shardOf: (id: number) => Shard | undefined, nowMs: number): SlsReply {
    const group = this.#groups.get(name);
    if (group === undefined) return errors.consumerGroupNotExist(name);
    const json = parseJson(body);
    if (!isRecord(json) || !Number.isSafeInteger(json['shard']) || typeof json['checkpoint'] !== 'string') {
      return errors.parameterInvalid('body must be {"shard": <id>, "checkpoint": "<cursor>"}');
    }
    const shardId = json['shard'] as number;
    const checkpoint = json['checkpoint'];
    const shard = shardOf(shardId);
    if (shard === undefined) return errors.shardNotExist(String(shardId));
    const decoded = decodeCursor(checkpoint);
    if (decoded === undefined || decoded.shard !== shardId || decoded.offset > shard.groups.length) return errors.invalidCursor(`checkpoint ${checkpoint}`);
    const forceSuccess = force === 'true';
    if ((consumer ?? '') === '' && !forceSuccess) return errors.parameterInvalid('forceSuccess must be true without a consumer');
    if (consumer !== null && consumer !== '' && !forceSuccess) {
      const owner = group.consumers.get(consumer);
      if (owner === undefined || !(owner.assigned.includes(shardId) || owner.held.includes(shardId))) return errors.consumerNotMatch(consumer, shardId);
    }
    // updateTime in microseconds: the documented example has 16 digits (the unit is UNVERIFIED).
    group.checkpoints.set(shardId, { checkpoint, updateTime: nowMs * 1000, consumer: consumer ?? '' });
    return { status: 200 };
  }

  /** One row per shard (or the one asked for); a shard without a checkpoint has `checkpoint: ''` (UNVERIFIED). */
  getCheckpoint(name: string, shardParam: string | null, shards: readonly Shard[]): SlsReply {
    const group = this.#groups.get(name);
    if (group === undefined) return errors.consumerGroupNotExist(name);
    const wanted = shardParam === null || shardParam === '' || shardParam === '-1' ? shards : shards.filter((s) => String(s.id) === shardParam);
    if (wanted.length === 0) return errors.shardNotExist(String(shardParam));
    return {
      status: 200,
      json: [...wanted].sort((a, b) => a.id - b.id).map((s) => ({ shard: s.id, checkpoint: '', updateTime: 0, consumer: '', ...group.checkpoints.get(s.id) })),
    };
  }
}
