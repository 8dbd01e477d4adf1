#!/usr/bin/env node
// Thin bin: the CLI lives in dist/cli/main.js (built by `npm run build`, run at `npm install`).
await import('../dist/cli/main.js');
