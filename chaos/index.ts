// `npm run chaos`: the reliability suite's figures (issue 9): crash consistency for every service, vendor
// faults, output faults, state faults, and a secret scan over everything those runs left behind.
// CHAOS_KILLS (default 20), CHAOS_EVENTS (default 5000), CHAOS_OUTPUT_DOWN_SECONDS (default 120: the Devo outage)
// and CHAOS_STATE_DOWN_SECONDS (default 20: Redis and Postgres restarts, inside the store's 30 s of retries) set its size.
import { crashConsistency, SERVICES } from './crash.ts';
import { runScenario, SCENARIOS } from './faults.ts';
import { SECRET_SCAN_TOTALS } from './secrets.ts';
import { OUTPUT_SCENARIOS, outputSecretFindings, outputTable, type OutputResult } from './output.ts';
import { stateScenarios, stateSecretFindings } from './state.ts';

const kills = Number(process.env['CHAOS_KILLS'] ?? 20);
const events = Number(process.env['CHAOS_EVENTS'] ?? 5000);
const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
let failed = false;
const totals = { runs: 0, kills: 0, faults: 0, compared: 0, lost: 0, duplicates: 0 };

log(`## Crash consistency: SIGKILL at ${kills} random moments per service, then a final run`);
log('| service | events | kills (mid-backfill) | lines received | lost | duplicates | most extra copies of one event | page size | /metrics scraped | secrets found |');
log('|---|---|---|---|---|---|---|---|---|---|');
for (const service of SERVICES) {
  const r = await crashConsistency(service, { events, kills, seed: 7 });
  log(`| ${r.service} | ${r.events} | ${r.kills} (${r.killsMidBackfill}) | ${r.received} | ${r.lost} | ${r.duplicates} | ${r.maxExtraCopies} | ${r.pageSize} | ${r.metricsScrapes} | ${r.secretFindings.length} |`);
  for (const finding of r.secretFindings) log(`  - LEAK: ${finding}`);
  if (r.lost > 0 || r.secretFindings.length > 0) failed = true;
  Object.assign(totals, { runs: totals.runs + r.kills + 1, kills: totals.kills + r.kills, compared: totals.compared + r.events, lost: totals.lost + r.lost, duplicates: totals.duplicates + r.duplicates });
}

log('\n## Vendor faults injected by the simulators during a backfill');
log('| fault | expected | outcome | seconds | events | received (distinct) | secrets found |');
log('|---|---|---|---|---|---|---|');
for (const scenario of SCENARIOS) {
  const r = await runScenario(scenario);
  log(`| ${r.name} | ${r.expected} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.events} | ${r.received} (${r.distinct}) | ${r.secretFindings.length} |`);
  for (const finding of r.secretFindings) log(`  - LEAK: ${finding}`);
  if (!r.ok) failed = true;
  totals.runs += 1;
  totals.faults += 1;
  totals.compared += r.events;
  totals.duplicates += r.received - r.distinct;
  if (r.outcome === 'survived') totals.lost += r.events - r.distinct;
}

log(`\n## Output faults (the receiver refusing connections for ${process.env['CHAOS_OUTPUT_DOWN_SECONDS'] ?? 120} s, resets, stalls, bad certificates)`);
const outputResults: OutputResult[] = [];
for (const scenario of OUTPUT_SCENARIOS) {
  const r = await scenario.run('long');
  outputResults.push(r);
  if (!r.ok) failed = true;
  totals.runs += 1;
  totals.faults += 1;
  // Runs that delivered (the certificate ones must deliver nothing) count towards events compared.
  if (r.received > 0) {
    totals.compared += r.events;
    totals.duplicates += r.received - r.distinct;
    // With confirm_delivery: false a reset may lose what was in flight (warned): counted apart below.
    if (!/confirm_delivery: false/.test(r.name)) totals.lost += r.lost;
  }
}
log(outputTable(outputResults));

log('\n## State faults');
log('| fault | expected | outcome | seconds | events | received (distinct) | lost after mending |');
log('|---|---|---|---|---|---|---|');
for (const scenario of stateScenarios(Number(process.env['CHAOS_STATE_DOWN_SECONDS'] ?? 20) * 1000)) {
  const r = await scenario();
  log(`| ${r.name} | ${r.expected} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.events} | ${r.received} (${r.distinct}) | ${r.lost} |`);
  if (!r.ok) {
    failed = true;
    log(`\n\`\`\`\n${r.details}\n\`\`\``);
  }
  totals.runs += 1;
  totals.faults += 1;
  if (typeof r.lost === 'number') {
    totals.compared += r.events;
    totals.lost += r.lost;
    totals.duplicates += r.received - r.distinct;
  }
}

const leaks = [...outputSecretFindings(), ...stateSecretFindings()];
for (const finding of leaks) log(`  - LEAK: ${finding}`);
if (leaks.length > 0) failed = true;

log('\n## Totals');
log(`${totals.runs} collector runs, ${totals.kills} SIGKILLs, ${totals.faults} faults injected, ${totals.compared} events compared: ${totals.lost} lost, ${totals.duplicates} duplicated.`);
log(`Secret scan: ${SECRET_SCAN_TOTALS.surfaces} surfaces (debug logs, Devo lines, /metrics pages, SQLite file and WAL bytes, state show --json), ${(SECRET_SCAN_TOTALS.bytes / 1024 / 1024).toFixed(1)} MiB, ${SECRET_SCAN_TOTALS.findings} secrets or tenant tokens found.`);
log(`${((Date.now() - started) / 1000).toFixed(0)} s in all.`);
if (failed) {
  log('\nA SCENARIO FAILED (events lost, a secret leaked, or a fault not survived / not coded)');
  process.exitCode = 1;
}
