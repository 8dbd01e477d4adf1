// Domain sub-commands of `exp` (pseudo-masks, convert-masks, agnostic-gt, eval, infer, make-demo-data, ...).
// The `exp` CLI loads this list through the "exp.commands" entry of the root package.json.
// Each entry is a yargs command module (ExpCommand from @wsovvis/experiment); wrap typed ones in defineCommand().
import type { ExpCommand } from '@wsovvis/experiment';
import { agnosticGtCommand } from './agnostic-gt.js';
import { convertMasksCommand } from './convert-masks.js';
import { evalCommand } from './eval.js';
import { inferCommand } from './infer.js';
import { makeDemoDataCommand } from './make-demo-data.js';
import { pseudoMasksCommand } from './pseudo-masks.js';

export const commands: ExpCommand[] = [
  makeDemoDataCommand,
  pseudoMasksCommand,
  convertMasksCommand,
  agnosticGtCommand,
  evalCommand,
  inferCommand,
];
