import { createRandom, hex, pick, spreadSeconds, type Random } from './data.ts';
import { canonicalJson } from './dlp-duplicates.ts';
import { encodeTimes } from './log-store.ts';
import type { LarkSimDlpLog, LarkSimTimeUnit } from './security-types.ts';

/** `applicable_service` by `apply_module` (the simulator's mapping; 99 means all). */
export const DLP_APPLY_MODULES: ReadonlyMap<number, string> = new Map([[1, 'Messenger'], [2, 'Docs'], [3, 'Drive']]);
/** `system_action` by `actions` code, after the app-DLP enum (0 release … 6 record-only abnormal intercept). */
export const DLP_ACTIONS: readonly string[] = ['Allow', 'Block', 'Block (timeout)', 'Block (error)', 'Record only', 'Record only (timeout)', 'Record only (error)'];
/** The `trigger_event_type` of system rows (returned only with `include_system_log=true`). */
export const DLP_SYSTEM_EVENT = 'system_scan';

/** 16-digit ids stay below 2^53, so rows that send them as JSON numbers lose nothing. */
const digits = (random: Random, base: number): string => String(base + Math.floor(random() * 1e15));

const PEOPLE = (() => {
  const random = createRandom(0xd1b);
  return ['Alice Zhang', '张伟', '佐藤 花子', 'Bob "The Builder" O\'Neil', 'ops\\automation', 'Ahmed 🚀 Khan'].map((name) => ({ name, id: digits(random, 6_900_000_000_000_000) }));
})();
type Person = (typeof PEOPLE)[number];

const POLICIES = (() => {
  const random = createRandom(0x9011c7);
  return ['PII – national ID numbers', 'Source code "secrets"', '財務データ', 'Customer list\\export'].map((name) => ({ policy_id: digits(random, 7_300_000_000_000_000), policy_name: name }));
})();
const GROUPS = ['研发 / R&D', 'ops "on-call"', 'Sales\tAPAC', 'Board 🏛️'];
const DOCS = ['Q3 "Roadmap" – 路线图', 'Customer list (export)', 'Salaries 2024\\final', 'Line\u2028separator'];
const FILES = ['users.csv', 'backup "full".zip', '设计稿.fig', 'keys.pem'];
const KEYWORDS = ['confidential', '机密', 'password', 'do not forward'];
const LABELS = ['Confidential', 'Internal only', '绝密'];

type Row = LarkSimDlpLog;
const EMPTY_EVIDENCE = (): Row['evidence_detail'] => ({
  keyword_hits: [], regular_hits: [], sensitive_hits: [], file_size_hits: [], file_type_hits: [], file_name_ext_hits: [], secure_label_hits: [], trigger_snippets: [],
});

/** Every field, empty: scenarios fill what applies to them. */
function blankRow(time: string): Row {
  return {
    applicable_service: '', user_name: '', user_id: '', trigger: '', time, system_action: '',
    sender_name: '', sender_id: '', recipient_name: '', recipient_id: '',
    chat_name: '', chat_id: '', chat_type: '', group_owner_name: '', group_owner_id: '',
    message_id: '', message_content: '', alias_ingroup: '', group_description: '', group_tab_content: '',
    file_name: '', file_key: '', file_token: '',
    document_owner_name: '', document_owner_id: '', document_name: '', document_type: '', document_link: '',
    trigger_event_type: '', hit_policies: [], evidence_detail: EMPTY_EVIDENCE(),
  };
}

function evidenceFor(random: Random, policies: Row['hit_policies'], withFile: boolean): Row['evidence_detail'] {
  const evidence = EMPTY_EVIDENCE();
  const keyword = pick(random, KEYWORDS);
  const idNumber = `11010119${String(70 + Math.floor(random() * 30))}0307${String(1000 + Math.floor(random() * 9000))}`;
  evidence.keyword_hits.push(keyword);
  if (random() < 0.5) {
    evidence.regular_hits.push(idNumber);
    evidence.sensitive_hits.push('ID card number');
  }
  if (withFile && random() < 0.5) {
    evidence.file_type_hits.push('archive');
    evidence.file_name_ext_hits.push('.zip');
    evidence.file_size_hits.push('> 100 MB');
  }
  if (random() < 0.3) evidence.secure_label_hits.push(pick(random, LABELS));
  evidence.trigger_snippets = policies.map((policy) => ({
    policy_id: policy.policy_id,
    detect_mode_proof_contexts: [
      {
        detect_mode: 1,
        detect_name: 'Keyword',
        proof_contexts: [{ hit_content: keyword, context_snippet: `…this is "${keyword}"\nplease keep it…` }],
        hit_count: 1 + Math.floor(random() * 4),
      },
    ],
  }));
  return evidence;
}

/** Fills one scenario: a message, a document, a file, or a system scan. */
function fillScenario(random: Random, row: Row, actor: Person): void {
  const roll = random();
  const other = pick(random, PEOPLE);
  if (roll < 0.05) {
    const owner = other;
    Object.assign(row, {
      applicable_service: 'Docs', user_name: 'System', trigger: 'Periodic scan', trigger_event_type: DLP_SYSTEM_EVENT,
      document_owner_name: owner.name, document_owner_id: owner.id, document_name: pick(random, DOCS), document_type: 'docx',
    });
    row.document_link = `https://sim.larksuite.com/docx/${hex(random, 27)}`;
  } else if (roll < 0.5) {
    const group = random() < 0.6;
    Object.assign(row, {
      applicable_service: 'Messenger', trigger: 'Send message', trigger_event_type: 'im_message_send',
      sender_name: actor.name, sender_id: actor.id, chat_id: digits(random, 7_000_000_000_000_000), chat_type: group ? 'group' : 'p2p',
      message_id: digits(random, 7_200_000_000_000_000), message_content: `the ${pick(random, KEYWORDS)} numbers:\n${hex(random, 6)}`,
    });
    if (group) {
      Object.assign(row, { chat_name: pick(random, GROUPS), group_owner_name: other.name, group_owner_id: other.id, alias_ingroup: `${actor.name} (on-call)`, group_description: 'Team "room"\tonly', group_tab_content: 'Wiki: https://sim.larksuite.com/wiki/x' });
    } else {
      Object.assign(row, { recipient_name: other.name, recipient_id: other.id, chat_name: other.name });
    }
    if (random() < 0.3) Object.assign(row, { file_name: pick(random, FILES), file_key: `file_v3_${hex(random, 24)}` });
  } else if (roll < 0.8) {
    Object.assign(row, {
      applicable_service: 'Docs', trigger: pick(random, ['Share document externally', 'Export document', 'Copy content']), trigger_event_type: pick(random, ['doc_share', 'doc_export', 'doc_copy']),
      document_owner_name: other.name, document_owner_id: other.id, document_name: pick(random, DOCS), document_type: pick(random, ['docx', 'sheet', 'bitable']),
    });
    row.document_link = `https://sim.larksuite.com/${row.document_type}/${hex(random, 27)}`;
  } else {
    Object.assign(row, {
      applicable_service: 'Drive', trigger: pick(random, ['Upload file', 'Download file']), trigger_event_type: pick(random, ['file_upload', 'file_download']),
      file_name: pick(random, FILES), file_token: `box${hex(random, 24)}`,
    });
  }
}

/** Options of {@link generateDlpItems}. */
export interface DlpGenerateOptions {
  count: number;
  fromSeconds: number;
  toSeconds: number;
  seed: number;
  unit: LarkSimTimeUnit;
}

/** Sends the id-like fields the Python SDK types as int as JSON numbers (non-empty ones). */
function numericIds(row: Row): void {
  for (const field of ['user_id', 'sender_id', 'chat_id', 'message_id'] as const) {
    const value = row[field];
    if (typeof value === 'string' && value !== '') row[field] = Number(value);
  }
}

/**
 * Deterministic rows, oldest first, differing from each other and from every row whose
 * {@link canonicalJson} `isTaken` reports (a row that would repeat one is generated again).
 */
export function generateDlpItems(options: DlpGenerateOptions, isTaken: (content: string) => boolean): Row[] {
  const random = createRandom(options.seed);
  const generated = new Set<string>();
  const seconds = spreadSeconds(random, options);
  return encodeTimes(random, seconds, options.unit).map((time) => {
    for (;;) {
      const row = blankRow(time);
      const actor = pick(random, PEOPLE);
      fillScenario(random, row, actor);
      if (row.trigger_event_type !== DLP_SYSTEM_EVENT) Object.assign(row, { user_name: actor.name, user_id: actor.id });
      row.system_action = DLP_ACTIONS[Math.floor(random() * DLP_ACTIONS.length)] as string;
      row.hit_policies = POLICIES.filter(() => random() < 0.4).map((policy) => ({ ...policy }));
      if (row.hit_policies.length === 0) row.hit_policies.push({ ...pick(random, POLICIES) });
      row.evidence_detail = evidenceFor(random, row.hit_policies, row.file_name !== '');
      if (random() < 0.35) numericIds(row);
      const content = canonicalJson(row);
      if (!generated.has(content) && !isTaken(content)) {
        generated.add(content);
        return row;
      }
    }
  });
}
