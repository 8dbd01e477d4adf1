#!/usr/bin/env node
// `ddp-run [options] <script> [args...]`: see packages/ddp/src/launcher/cli.ts or `ddp-run --help`.
import { main } from '../dist/launcher/cli.js';

process.exitCode = await main(process.argv.slice(2));
