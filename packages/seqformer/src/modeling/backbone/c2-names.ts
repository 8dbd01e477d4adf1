/**
 * Caffe2 / Detectron1 blob names -> Detectron2 module names, the renaming Detectron2 applies to the backbone part of
 * a Caffe2 `.pkl` before matching it to the model (`convert_basic_c2_names` in `detectron2/checkpoint/
 * c2_model_loading.py`; the detection-head renamings there do not concern a backbone). Examples:
 * `conv1_w` -> `stem.conv1.weight`, `res_conv1_bn_s` -> `stem.conv1.norm.weight`, `res2_0_branch2a_w` ->
 * `res2.0.conv1.weight`, `res2_0_branch2a_bn_b` -> `res2.0.conv1.norm.bias`, `res2_0_branch1_w` ->
 * `res2.0.shortcut.weight`, `fc1000_w` -> `fc1000.weight`.
 */

/** Ordered regex rewrites of a dotted C2 name (after `_` -> `.`). */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.b$/, '.bias'],
  [/\.w$/, '.weight'],
  // BatchNorm and GroupNorm parameters all become `norm`
  [/bn\.s$/, 'norm.weight'],
  [/bn\.bias$/, 'norm.bias'],
  [/bn\.rm/, 'norm.running_mean'],
  [/bn\.running\.mean$/, 'norm.running_mean'],
  [/bn\.riv$/, 'norm.running_var'],
  [/bn\.running\.var$/, 'norm.running_var'],
  [/bn\.gamma$/, 'norm.weight'],
  [/bn\.beta$/, 'norm.bias'],
  [/gn\.s$/, 'norm.weight'],
  [/gn\.bias$/, 'norm.bias'],
  // stem: `res_conv1_bn_*` is the stem's BN; `conv1` at the start is the stem conv (not a block's conv1)
  [/^res\.conv1\.norm\./, 'conv1.norm.'],
  [/^conv1\./, 'stem.conv1.'],
];

/** Block branches: `branch1` is the projection shortcut, `branch2{a,b,c}` the three convs of a bottleneck. */
const BRANCHES: ReadonlyArray<readonly [string, string]> = [
  ['.branch1.', '.shortcut.'],
  ['.branch2a.', '.conv1.'],
  ['.branch2b.', '.conv2.'],
  ['.branch2c.', '.conv3.'],
];

/** One Caffe2 blob name in Detectron2's naming (see the file comment). */
export function c2ToDetectron2Name(c2: string): string {
  let k = ({ pred_b: 'linear_b', pred_w: 'linear_w' } as Record<string, string>)[c2] ?? c2;
  k = k.replaceAll('_', '.');
  for (const [re, to] of RULES) k = k.replace(re, to);
  for (const [from, to] of BRANCHES) k = k.replaceAll(from, to);
  return k;
}

/** True for Caffe2 solver state, which Detectron2 drops before loading (`*_momentum` blobs). */
export function isC2SolverBlob(name: string): boolean {
  return name.endsWith('_momentum');
}
