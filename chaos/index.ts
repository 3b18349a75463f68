// `npm run chaos`: the reliability suite's figures (issue 9). So far: crash consistency for every
// service, and vendor faults. CHAOS_KILLS (default 20) and CHAOS_EVENTS (default 5000) set its size.
import { crashConsistency, SERVICES } from './crash.ts';
import { runScenario, SCENARIOS } from './faults.ts';

const kills = Number(process.env['CHAOS_KILLS'] ?? 20);
const events = Number(process.env['CHAOS_EVENTS'] ?? 5000);
const log = (line: string) => process.stdout.write(`${line}\n`);
log(`## Crash consistency: SIGKILL at ${kills} random moments per service, then a final run`);
log('| service | events | kills (mid-backfill) | lines received | lost | duplicates | most extra copies of one event | page size |');
log('|---|---|---|---|---|---|---|---|');
let failed = false;
for (const service of SERVICES) {
  const r = await crashConsistency(service, { events, kills, seed: 7 });
  log(`| ${r.service} | ${r.events} | ${r.kills} (${r.killsMidBackfill}) | ${r.received} | ${r.lost} | ${r.duplicates} | ${r.maxExtraCopies} | ${r.pageSize} |`);
  if (r.lost > 0) failed = true;
}
log('\n## Vendor faults injected by the simulators during a backfill');
log('| fault | expected | outcome | seconds | events | received (distinct) |');
log('|---|---|---|---|---|---|');
for (const scenario of SCENARIOS) {
  const r = await runScenario(scenario);
  log(`| ${r.name} | ${r.expected} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.events} | ${r.received} (${r.distinct}) |`);
  if (!r.ok) failed = true;
}
if (failed) {
  log('\nA SCENARIO FAILED (events lost, or a fault not survived / not coded)');
  process.exitCode = 1;
}
