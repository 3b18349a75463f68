import type { LarkSimEvent } from './types.ts';

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
export const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
export const hex = (random: Random, length: number): string =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

/**
 * Lark ids (event_id, unique_id) are snowflake-like: the top 32 bits are the epoch second
 * (7254062413199179796 >> 32 === 1688968015 in the documented example), giving 19 digits.
 */
export const snowflake = (random: Random, second: number): string =>
  ((BigInt(second) << 32n) | BigInt(Math.floor(random() * 2 ** 32))).toString();

/**
 * Many strings below need JSON escaping (quotes, backslash, newline, tab, U+0001) or test
 * encoders in other ways (non-ASCII, astral emoji, U+2028/U+2029 line separators).
 */
const USERS = [
  { name: 'Alice Zhang', i18n: { en_us: 'Alice Zhang', zh_cn: '张爱丽' } },
  { name: '张伟', i18n: { en_us: 'Zhang Wei', zh_cn: '张伟' } },
  { name: '佐藤 花子', i18n: { ja_jp: '佐藤 花子', en_us: 'Hanako Sato' } },
  { name: 'Zoë Müller' },
  { name: 'Bob "The Builder" O\'Neil' },
  { name: 'ops\\automation' },
  { name: 'Ahmed 🚀 Khan' },
  { name: 'Marie-Lou Dubois' },
] as const;

const DOC_NAMES = [
  'Q3 "Roadmap" – 路线图',
  'Budget 2024\\draft (v2)',
  'Meeting notes 📝',
  'Weekly sync',
  'Line\u2028separator\u2029title',
  '<script>alert("x")</script>',
  'Onboarding checklist',
];
const FILE_NAMES = ['report "final".pdf', 'C:\\exports\\users.csv', '设计稿.fig', 'holiday 🏖️.jpg'];
const TEXTS = ['first line\nsecond line', 'tab\there', 'said "hi" and left', 'emoji 😀 and \u0001 control', 'plain'];
const CHATS = ['研发 / R&D', 'ops "on-call"', 'general', 'Sales\tAPAC'];
const CITIES = ['Singapore', 'Tokyo', '北京', 'São Paulo', 'London'];
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Lark/7.14.5 LarkLocale/en_US',
];
const DEVICES = [
  { terminal: 0, context: 'ios_context', model: 'iPhone15,2', os: 'iOS 17.5' },
  { terminal: 1, context: 'android_context', model: 'Pixel 8', os: 'Android 14' },
  { terminal: 2, context: 'pc_context', model: 'MacBookPro18,3', os: 'macOS 14.5' },
  { terminal: 3, context: 'web_context', model: '', os: 'Windows 11' },
] as const;

type ObjectKind = 'doc' | 'file' | 'chat' | 'meeting' | 'none';
interface EventKind { name: string; module: number; object: ObjectKind; weight: number; share?: boolean }
const KINDS: readonly EventKind[] = [
  { name: 'space_edit_doc', module: 1, object: 'doc', weight: 8 },
  { name: 'space_read_doc', module: 1, object: 'doc', weight: 6 },
  { name: 'space_create_doc', module: 1, object: 'doc', weight: 2 },
  { name: 'space_download_file', module: 1, object: 'file', weight: 2 },
  { name: 'space_share_doc', module: 1, object: 'doc', weight: 1, share: true },
  { name: 'im_send_msg', module: 2, object: 'chat', weight: 6 },
  { name: 'im_join_group', module: 2, object: 'chat', weight: 1 },
  { name: 'contact_view_profile', module: 3, object: 'none', weight: 1 },
  { name: 'workplace_open_app', module: 4, object: 'none', weight: 1 },
  { name: 'vc_join_meeting', module: 5, object: 'meeting', weight: 2 },
  { name: 'login', module: 6, object: 'none', weight: 3 },
  { name: 'logout', module: 6, object: 'none', weight: 1 },
  { name: 'mail_send_mail', module: 16, object: 'none', weight: 1 },
  { name: 'calendar_create_event', module: 21, object: 'none', weight: 1 },
];
const TOTAL_WEIGHT = KINDS.reduce((sum, kind) => sum + kind.weight, 0);

function pickKind(random: Random): EventKind {
  let roll = random() * TOTAL_WEIGHT;
  for (const kind of KINDS) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return KINDS[0] as EventKind;
}

const TENANT = 'F686619755';
/** The tenant of the one external user (operator_type 1001, desensitised operator_value). */
const PARTNER_TENANT = 'F730215548';
/** The simulated tenant's people; fixed, so every seed sees the same directory. */
const PEOPLE = (() => {
  const random = createRandom(0x5eed);
  return USERS.map((user, index) => ({
    ...user,
    id: hex(random, 8),
    departments: ['0', `od-${hex(random, 32)}`],
    external: index === USERS.length - 1,
  }));
})();
type Person = (typeof PEOPLE)[number];

export function ipFor(random: Random): string {
  return random() < 0.3
    ? `2001:db8:${hex(random, 4)}::${hex(random, 3)}`
    : `203.0.113.${1 + Math.floor(random() * 254)}`;
}

function objectsFor(random: Random, kind: EventKind, owner: Person): LarkSimEvent['objects'] {
  const object = (type: string, value: string, name: string, detail: Record<string, unknown> = {}): LarkSimEvent['objects'][number] =>
    ({ object_type: type, object_value: value, object_name: name, object_owner: owner.id, object_detail: detail });
  switch (kind.object) {
    case 'doc':
      return [object('106', `Lwd1${hex(random, 23)}`, pick(random, DOC_NAMES), { text_detail: pick(random, TEXTS), container_type: '', current_page: '' })];
    case 'file':
      return [object('106', `box${hex(random, 24)}`, pick(random, FILE_NAMES), { file_name: pick(random, FILE_NAMES), contain_file_num: 1 })];
    case 'chat':
      return [object('4', `oc_${hex(random, 32)}`, pick(random, CHATS))];
    case 'meeting':
      return [object('9', String(6_900_000_000 + Math.floor(random() * 99_999_999)), 'Daily stand-up')];
    case 'none':
      return [];
  }
}

function recipientsFor(random: Random, kind: EventKind, objects: LarkSimEvent['objects']): LarkSimEvent['recipients'] {
  if (kind.object === 'chat') {
    const chat = objects[0];
    return [{ recipient_type: '4', recipient_value: chat?.object_value ?? '', recipient_detail: { chat_id: chat?.object_value ?? '', chat_name: chat?.object_name ?? '', chat_type: 1, external_flag: false } }];
  }
  if (kind.share === true) {
    return [{ recipient_type: '1', recipient_value: pick(random, PEOPLE).id, recipient_detail: { permission_action_type: 'view' } }];
  }
  return [{ recipient_type: '', recipient_value: '', recipient_detail: {} }];
}

function extendFor(random: Random, kind: EventKind): Record<string, unknown> {
  if (kind.name === 'login') return { login_method: pick(random, ['password', 'sso', 'qr_code']), two_step_validation: random() < 0.5 };
  if (kind.name === 'vc_join_meeting') return { new_people_num_in_video: 1 + Math.floor(random() * 5), external_people_num_in_video: 0 };
  if (kind.name === 'im_join_group') return { join_group: 1 };
  return {};
}

function makeEvent(random: Random, second: number, kind: EventKind, actor: Person, eventId: string, uniqueId: string): LarkSimEvent {
  const device = pick(random, DEVICES);
  const ip = ipFor(random);
  const objects = objectsFor(random, kind, actor);
  const context: Record<string, unknown> =
    device.context === 'web_context'
      ? { user_agent: pick(random, USER_AGENTS), IP: ip }
      : { udid: hex(random, 16), did: String(Math.floor(random() * 1e15)), app_ver: '7.14.5', ver: '7.14.5', os: device.os, IP: ip };
  const city = pick(random, CITIES);
  const viaApp = random() < 0.1;
  return {
    event_id: eventId,
    unique_id: uniqueId,
    event_module: kind.module,
    event_name: kind.name,
    operator_type: actor.external ? 1001 : 1,
    operator_value: actor.external ? `${actor.id.slice(0, 2)}****` : actor.id,
    operator_tenant: actor.external ? PARTNER_TENANT : TENANT,
    event_time: second,
    audit_context: { terminal_type: device.terminal, [device.context]: context },
    department_ids: actor.external ? [] : [...actor.departments],
    extend: extendFor(random, kind),
    ip,
    objects,
    operator_app: viaApp ? 'cli_a5e8f2b7c3d9e01f' : '',
    operator_app_name: viaApp ? 'Sim "Sync" Bot' : '',
    recipients: recipientsFor(random, kind, objects),
    common_drawers: {
      common_draw_info_list: [
        { info_key: 'location', info_val: JSON.stringify({ city, source: 'ip' }), key_i18n_key: 'audit_location', val_type: 'json', val_i18n_key: '' },
      ],
    },
    audit_detail: { mc: '', device_model: device.model, os: device.os, city },
    operator_detail: {
      operator_name: { default_name: actor.name, ...('i18n' in actor ? { i18n_value: { ...actor.i18n } } : {}) },
      tenant_name: actor.external ? 'Partner Corp' : 'Sim Tenant 模拟',
    },
  };
}

/** Options of {@link generateAuditItems}. */
export interface GenerateOptions {
  count: number;
  fromSeconds: number;
  toSeconds: number;
  seed: number;
}

/**
 * `count` sorted seconds in `[fromSeconds, toSeconds]`: the first two are the ends, about half
 * repeat the second before them. Validates the options.
 */
export function spreadSeconds(random: Random, options: Omit<GenerateOptions, 'seed'>): number[] {
  const { count, fromSeconds, toSeconds } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isSafeInteger(fromSeconds) || !Number.isSafeInteger(toSeconds) || fromSeconds > toSeconds || fromSeconds < 0) {
    throw new RangeError(`need integer seconds with 0 <= fromSeconds <= toSeconds, got [${fromSeconds}, ${toSeconds}]`);
  }
  const span = toSeconds - fromSeconds + 1;
  const seconds: number[] = [];
  for (let i = 0; i < count; i++) {
    const previous = seconds[seconds.length - 1];
    if (i === 0) seconds.push(fromSeconds);
    else if (i === 1) seconds.push(toSeconds);
    else if (previous !== undefined && random() < 0.5) seconds.push(previous);
    else seconds.push(fromSeconds + Math.floor(random() * span));
  }
  return seconds.sort((a, b) => a - b);
}

/**
 * Deterministic items over `[fromSeconds, toSeconds]`, sorted by event_time. About half the
 * items share their second with another; a few share the event_id (and action) of the previous
 * item. `isTaken` lets the caller keep unique_id unique across calls.
 */
export function generateAuditItems(options: GenerateOptions, isTaken: (uniqueId: string) => boolean = () => false): LarkSimEvent[] {
  const random = createRandom(options.seed);
  const seconds = spreadSeconds(random, options);

  const used = new Set<string>();
  const events: LarkSimEvent[] = [];
  for (const second of seconds) {
    let uniqueId = snowflake(random, second);
    while (used.has(uniqueId) || isTaken(uniqueId)) uniqueId = snowflake(random, second);
    used.add(uniqueId);
    const previous = events[events.length - 1];
    const sameAction = previous !== undefined && previous.event_time === second && random() < 0.3;
    const kind = sameAction ? (KINDS.find((k) => k.name === previous.event_name) ?? pickKind(random)) : pickKind(random);
    const actor = sameAction ? (PEOPLE.find((p) => p.name === previous.operator_detail.operator_name.default_name) ?? pick(random, PEOPLE)) : pick(random, PEOPLE);
    const eventId = sameAction ? previous.event_id : snowflake(random, second);
    events.push(makeEvent(random, second, kind, actor, eventId, uniqueId));
  }
  return events;
}
