#!/usr/bin/env node
// The CLI is TypeScript compiled to dist/ by `npm run build` (run by `prepare` on npm ci).
// It needs Node >= 22 (node:sqlite). In a checkout started with an older system node, re-run it on
// the Node 24 that `npm ci` installed (the `node` devDependency) instead of failing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    process.stderr.write(`auditpull needs Node.js 22 or later (this is ${process.version}).\n`);
    process.exit(2);
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Pass stop signals on, so a supervisor's SIGTERM still gives a clean shutdown.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  await import('../dist/runner/cli.js');
}
