#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build` (run by `prepare` on npm ci).
import '../dist/runner/cli.js';
