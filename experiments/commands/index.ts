// Domain sub-commands of `exp` (pseudo-masks, convert-masks, agnostic-gt, eval, infer, make-demo-data, ...).
// The `exp` CLI loads this list through the "exp.commands" entry of the root package.json.
// Each entry is a yargs command module; @wsovvis/experiment defines its type (ExpCommand).
export const commands: unknown[] = [];
