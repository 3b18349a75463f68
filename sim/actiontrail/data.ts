/**
 * Deterministic, realistic ActionTrail management events (field list: research/alibaba.md §1.3).
 * Strings include quotes, backslashes, newlines and non-ASCII so encoders are exercised.
 */
import { SIM_ACCOUNT_ID } from './event-store.ts';
import { formatUtcSecond } from './time.ts';
import type { ActionTrailSimGenerateOptions } from './types.ts';

type Random = () => number;

/** mulberry32: small, and the same sequence on every platform for a given seed. */
function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const hex = (random: Random, length: number): string => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = (random: Random): string =>
  [hex(random, 8), hex(random, 4), `4${hex(random, 3)}`, `a${hex(random, 3)}`, hex(random, 12)].join('-').toUpperCase();

const IDENTITIES = [
  { type: 'root-account', principalId: SIM_ACCOUNT_ID, userName: 'root', accessKeyId: 'LTAI5tRootSim0000000001' },
  { type: 'ram-user', principalId: '203768912345678901', userName: 'alice', accessKeyId: 'LTAI5tAliceSim000000001' },
  { type: 'ram-user', principalId: '203768912345678902', userName: '李雷', accessKeyId: 'LTAI5tLiLeiSim000000001' },
  { type: 'ram-user', principalId: '203768912345678903', userName: 'bob.o\'neil "ops"', accessKeyId: 'LTAI5tBobSim00000000001' },
  { type: 'assumed-role', principalId: '343597926003931234:u1', userName: 'custom-role-for-actiontrail:u1', accessKeyId: 'STS.NUQsim4mXkq9RbVw2hYd' },
  { type: 'assumed-role', principalId: '343597926003935678:deploy-bot', userName: 'ecs-ops-role:deploy-bot', accessKeyId: 'STS.NTxsimP7aB3cD4eF5gH6' },
] as const;
type Identity = (typeof IDENTITIES)[number];

const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'ap-southeast-1', 'eu-central-1'];
const API_AGENTS = [
  'AlibabaCloud (linux; x64) Node.js/v22.11.0 Core/1.0.1 TeaDSL/2 config/{"retryOptions":{"retryable":true}}',
  'Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-alicloud/1.219.0 Resource/alicloud_instance',
  'aliyun-cli/v3.0.198 (darwin; arm64) ecs DescribeInstances --RegionId cn-hangzhou',
  'Python/3.11.6 (Linux; x86_64) alibabacloud-tea-openapi/0.3.9 alibabacloud-ecs20140526/3.0.17',
];
const CONSOLE_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const DESCRIPTIONS = ['web tier "blue"', 'C:\\deploy\\scripts', 'line one\nline two', '生产环境 — 主库', 'tab\there', 'plain'];
const ERRORS = [
  { code: 'Forbidden.RAM', message: 'User not authorized to operate on the specified resource, or this API doesn\'t support RAM.' },
  { code: 'InvalidParameter', message: 'The specified parameter "InstanceType" is not valid.' },
];

interface Action {
  service: string;
  name: string;
  rw: 'Read' | 'Write';
  apiVersion: string;
  resourceType: string;
  resource: (random: Random) => string;
  host: (region: string) => string;
  global?: boolean;
  console?: boolean;
  weight: number;
}

const ecsInstance = (random: Random): string => `i-bp1${hex(random, 17)}`;
const ecs = (name: string, rw: 'Read' | 'Write', weight: number): Action =>
  ({ service: 'Ecs', name, rw, apiVersion: '2014-05-26', resourceType: 'ACS::ECS::Instance', resource: ecsInstance, host: () => 'ecs.aliyuncs.com', weight });
const ram = (name: string, rw: 'Read' | 'Write', resourceType: string, weight: number): Action => ({
  service: 'Ram', name, rw, apiVersion: '2015-05-01', resourceType, weight, global: true,
  resource: (random) => (resourceType === 'ACS::RAM::User' ? pick(random, ['alice', 'svc-backup', 'émilie']) : `LTAI5t${hex(random, 18)}`),
  host: () => 'ram.aliyuncs.com',
});

const ACTIONS: readonly Action[] = [
  ecs('DescribeInstances', 'Read', 8),
  ecs('StartInstance', 'Write', 3),
  ecs('StopInstance', 'Write', 2),
  { ...ecs('RunInstances', 'Write', 2), resource: (random) => `${ecsInstance(random)};${ecsInstance(random)}` },
  { ...ecs('DeleteInstance', 'Write', 1), console: true },
  ram('CreateUser', 'Write', 'ACS::RAM::User', 1),
  ram('AttachPolicyToUser', 'Write', 'ACS::RAM::User', 1),
  ram('CreateAccessKey', 'Write', 'ACS::RAM::AccessKey', 1),
  ram('ListUsers', 'Read', 'ACS::RAM::User', 2),
  { service: 'Oss', name: 'PutBucket', rw: 'Write', apiVersion: '2019-05-17', resourceType: 'ACS::OSS::Bucket', weight: 1,
    resource: (random) => `sim-logs-${hex(random, 6)}`, host: (region) => `oss-${region}.aliyuncs.com` },
  { service: 'Actiontrail', name: 'LookupEvents', rw: 'Read', apiVersion: '2020-07-06', resourceType: '', weight: 3,
    resource: () => '', host: (region) => `actiontrail.${region}.aliyuncs.com` },
  { service: 'Slb', name: 'CreateLoadBalancer', rw: 'Write', apiVersion: '2014-05-15', resourceType: 'ACS::SLB::LoadBalancer', weight: 1,
    resource: (random) => `lb-bp1${hex(random, 17)}`, host: () => 'slb.aliyuncs.com', console: true },
  { service: 'AasSub', name: 'ConsoleSignin', rw: 'Write', apiVersion: '', resourceType: '', weight: 2,
    resource: () => '', host: () => 'signin.aliyun.com', console: true },
];
const TOTAL_WEIGHT = ACTIONS.reduce((sum, action) => sum + action.weight, 0);

function pickAction(random: Random): Action {
  let roll = random() * TOTAL_WEIGHT;
  for (const action of ACTIONS) {
    roll -= action.weight;
    if (roll < 0) return action;
  }
  return ACTIONS[0] as Action;
}

const ip = (random: Random): string =>
  random() < 0.2 ? `2001:db8:${hex(random, 4)}::${hex(random, 3)}` : `${pick(random, ['203.0.113', '198.51.100'])}.${1 + Math.floor(random() * 254)}`;

function requestParameters(random: Random, action: Action, region: string, resource: string, id: Identity): Record<string, unknown> {
  const common = { RegionId: region, AcsHost: action.host(region), AcsProduct: action.service, AccessKeyId: id.accessKeyId, RequestId: uuid(random) };
  if (action.service === 'Ecs') return { ...common, InstanceId: resource.split(';')[0], Description: pick(random, DESCRIPTIONS), InstanceType: 'ecs.g7.large' };
  if (action.service === 'Ram') return { ...common, UserName: resource, Comments: pick(random, DESCRIPTIONS), PolicyName: 'AliyunECSReadOnlyAccess' };
  if (action.name === 'LookupEvents') return { ...common, 'LookupAttribute.1.Key': 'EventRW', 'LookupAttribute.1.Value': 'Write', MaxResults: '50', Direction: 'FORWARD' };
  if (action.name === 'ConsoleSignin') return {};
  return { ...common, Name: resource, Description: pick(random, DESCRIPTIONS) };
}

function makeEvent(random: Random, second: number, eventId: string): Record<string, unknown> {
  const action = pickAction(random);
  const id = action.name === 'ConsoleSignin' ? pick(random, IDENTITIES.slice(0, 4)) : pick(random, IDENTITIES);
  const region = action.global === true ? 'cn-hangzhou' : pick(random, REGIONS);
  const viaConsole = action.console === true && random() < 0.7;
  const resource = action.resource(random);
  const failed = action.name !== 'ConsoleSignin' && random() < 0.1 ? pick(random, ERRORS) : undefined;
  const inVpc = random() < 0.2;
  const params = requestParameters(random, action, region, resource, id);
  const creationDate = formatUtcSecond(second - 600 - Math.floor(random() * 3000));
  return {
    eventId,
    eventVersion: random() < 0.2 ? '1' : 1,
    eventName: action.name,
    eventSource: action.host(region),
    eventTime: formatUtcSecond(second),
    eventType: action.name === 'ConsoleSignin' ? 'ConsoleSignin' : viaConsole ? 'ConsoleOperation' : 'ApiCall',
    eventRW: action.rw,
    eventCategory: 'Management',
    acsRegion: region,
    serviceName: action.service,
    apiVersion: action.apiVersion,
    requestId: uuid(random),
    requestParameters: params,
    requestParameterJson: JSON.stringify(params),
    responseElements: failed === undefined ? { RequestId: params['RequestId'] ?? uuid(random), ...(action.name === 'RunInstances' ? { InstanceIdSets: { InstanceIdSet: resource.split(';') } } : {}) } : {},
    referencedResources: action.resourceType === '' ? {} : { [action.resourceType]: resource.split(';') },
    resourceName: resource,
    resourceType: action.resourceType,
    sourceIpAddress: inVpc ? `192.168.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}` : ip(random),
    userAgent: viaConsole || action.name === 'ConsoleSignin' ? CONSOLE_AGENT : pick(random, API_AGENTS),
    errorCode: failed?.code ?? '',
    errorMessage: failed?.message ?? '',
    ...(action.name === 'ConsoleSignin'
      ? { additionalEventData: { loginAccount: `${id.userName}@${SIM_ACCOUNT_ID}.onaliyun.com`, MFAChecked: random() < 0.5 ? 'true' : 'false', callbackUrl: 'https://home.console.aliyun.com/' } }
      : {}),
    recipientAccountId: SIM_ACCOUNT_ID,
    vpcId: inVpc ? `vpc-bp1${hex(random, 17)}` : '',
    isGlobal: action.global === true,
    userIdentity: {
      type: id.type,
      principalId: id.principalId,
      accountId: SIM_ACCOUNT_ID,
      ...(viaConsole || action.name === 'ConsoleSignin' ? {} : { accessKeyId: id.accessKeyId }),
      userName: id.userName,
      ...(id.type === 'assumed-role' || viaConsole
        ? { sessionContext: { attributes: { mfaAuthenticated: random() < 0.5 ? 'true' : 'false', creationDate } } }
        : {}),
    },
  };
}

/** `count` seconds, oldest first: `burst` in a row share a second, the groups spread evenly over the range. */
function seconds(count: number, from: number, to: number, burst: number): number[] {
  const groups = Math.ceil(count / burst);
  return Array.from({ length: count }, (_, i) => {
    const group = Math.floor(i / burst);
    return groups <= 1 ? from : from + Math.round((group * (to - from)) / (groups - 1));
  });
}

/** Events sorted as `Direction=FORWARD` returns them; eventIds unique against `taken`. */
export function generateEvents(options: ActionTrailSimGenerateOptions & { seed: number }, taken: (eventId: string) => boolean): Array<Record<string, unknown>> {
  const { count, fromSeconds, toSeconds, seed } = options;
  const burst = options.sameSecondBurst ?? 3;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isSafeInteger(burst) || burst < 1) throw new RangeError(`sameSecondBurst must be a positive integer, got ${burst}`);
  if (!Number.isSafeInteger(fromSeconds) || !Number.isSafeInteger(toSeconds) || fromSeconds < 0 || fromSeconds > toSeconds) {
    throw new RangeError(`need integer seconds with 0 <= fromSeconds <= toSeconds, got [${fromSeconds}, ${toSeconds}]`);
  }
  const random = createRandom(seed);
  const used = new Set<string>();
  const events = seconds(count, fromSeconds, toSeconds, burst).map((second) => {
    let eventId = uuid(random);
    while (taken(eventId) || used.has(eventId)) eventId = uuid(random);
    used.add(eventId);
    return { second, eventId, event: makeEvent(random, second, eventId) };
  });
  events.sort((a, b) => a.second - b.second || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return events.map((e) => e.event);
}
