import { createRandom, hex, ipFor, pick, snowflake, spreadSeconds, type Random } from './data.ts';
import { encodeTimes } from './log-store.ts';
import type { LarkSimAdminLog, LarkSimTimeUnit } from './security-types.ts';

/** The tenant's administrators; fixed, so every seed sees the same directory. */
const ADMINS = (() => {
  const random = createRandom(0xad417);
  return ['Alice Zhang', '王芳', 'IT "Ops" Admin', 'Søren Ødegaard'].map((name) => ({ name, id: hex(random, 8) }));
})();

const PEOPLE = ['张伟', 'Bob "The Builder" O\'Neil', 'Zoë Müller', 'new.hire@example.com', 'Ahmed 🚀 Khan'];
const DEPARTMENTS = ['研发 / R&D', 'Sales\tAPAC', 'Finance', 'Legal "EU"'];
const APPS = ['Sim "Sync" Bot', 'HR 助手', 'Jira Cloud'];

interface Category {
  readonly name: string;
  readonly events: ReadonlyArray<{ name: string; target: 'user' | 'department' | 'app' | 'policy' | 'role' }>;
}

const CATEGORIES: readonly Category[] = [
  {
    name: 'Member management',
    events: [
      { name: 'create_user', target: 'user' },
      { name: 'update_user', target: 'user' },
      { name: 'delete_user', target: 'user' },
      { name: 'reset_password', target: 'user' },
    ],
  },
  { name: 'Department management', events: [{ name: 'create_department', target: 'department' }, { name: 'update_department', target: 'department' }] },
  { name: 'App management', events: [{ name: 'install_app', target: 'app' }, { name: 'approve_app_scope', target: 'app' }, { name: 'disable_app', target: 'app' }] },
  { name: 'Security', events: [{ name: 'update_login_policy', target: 'policy' }, { name: 'update_dlp_policy', target: 'policy' }, { name: 'export_audit_log', target: 'policy' }] },
  { name: 'Admin permissions', events: [{ name: 'assign_admin_role', target: 'role' }, { name: 'revoke_admin_role', target: 'role' }] },
];

/** The event detail: mostly a JSON document in a string (escaping inside escaping), sometimes text. */
function contentFor(random: Random, target: Category['events'][number]['target']): string {
  switch (target) {
    case 'user': {
      const name = pick(random, PEOPLE);
      return JSON.stringify({ target: { type: 'user', id: hex(random, 8), name }, before: { department: pick(random, DEPARTMENTS) }, after: { department: pick(random, DEPARTMENTS), note: 'moved\nteams' } });
    }
    case 'department':
      return JSON.stringify({ target: { type: 'department', id: `od-${hex(random, 32)}`, name: pick(random, DEPARTMENTS) } });
    case 'app':
      return JSON.stringify({ target: { type: 'app', id: `cli_${hex(random, 16)}`, name: pick(random, APPS) }, scopes: ['contact:user.base:readonly', 'im:message'] });
    case 'policy':
      return random() < 0.3 ? 'Policy "Default" updated: 2FA required\tfor all members' : JSON.stringify({ policy: 'login', before: { mfa: false }, after: { mfa: true } });
    case 'role':
      return JSON.stringify({ role: pick(random, ['Super admin', 'Security admin', '审计管理员']), member: pick(random, PEOPLE) });
  }
}

/** Options of {@link generateAdminItems}. */
export interface AdminGenerateOptions {
  count: number;
  fromSeconds: number;
  toSeconds: number;
  seed: number;
  unit: LarkSimTimeUnit;
}

/** Deterministic admin log items, oldest first; `isTaken` keeps unique_id unique across calls. */
export function generateAdminItems(options: AdminGenerateOptions, isTaken: (uniqueId: string) => boolean): LarkSimAdminLog[] {
  const random = createRandom(options.seed);
  const seconds = spreadSeconds(random, options);
  const times = encodeTimes(random, seconds, options.unit);
  const used = new Set<string>();
  return times.map((time, index) => {
    const second = seconds[index] as number;
    let uniqueId = snowflake(random, second);
    while (used.has(uniqueId) || isTaken(uniqueId)) uniqueId = snowflake(random, second);
    used.add(uniqueId);
    const category = pick(random, CATEGORIES);
    const event = pick(random, category.events);
    return {
      unique_id: uniqueId,
      user_id: pick(random, ADMINS).id,
      category_name: category.name,
      event_name: event.name,
      ip_address: ipFor(random),
      create_time: time,
      content: contentFor(random, event.target),
      operation_status: random() < 0.9 ? 1 : 2,
    };
  });
}
