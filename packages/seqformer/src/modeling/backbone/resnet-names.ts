/**
 * The two key namings of a ResNet with frozen BN: torchvision's (`conv1`, `bn1`, `layer{1..4}.{b}.conv{k}` /
 * `bn{k}`, `downsample.{0,1}`; the names of our ResNet's parameters) and Detectron2's (`stem.conv1`,
 * `stem.conv1.norm`, `res{2..5}.{b}.conv{k}` / `conv{k}.norm`, `shortcut` / `shortcut.norm`), both relative to the
 * ResNet. Converting one into the other is Detectron2's `tools/convert-torchvision-to-d2.py` and its inverse.
 */

/** Detectron2 ResNet key (relative to the backbone) -> torchvision key; other names pass unchanged. */
export function detectron2ToTorchvision(key: string): string {
  let k = key.replace(/^stem\.conv1\.norm\./, 'bn1.').replace(/^stem\.conv1\./, 'conv1.');
  k = k.replace(/^res(\d)\./, (_, s: string) => `layer${Number(s) - 1}.`);
  k = k.replace(/\.shortcut\.norm\./, '.downsample.1.').replace(/\.shortcut\./, '.downsample.0.');
  k = k.replace(/\.conv(\d)\.norm\./, '.bn$1.');
  return k;
}

/** torchvision ResNet key -> Detectron2 key (inverse of {@link detectron2ToTorchvision}). */
export function torchvisionToDetectron2(key: string): string {
  let k = key.replace(/^bn1\./, 'stem.conv1.norm.').replace(/^conv1\./, 'stem.conv1.');
  k = k.replace(/^layer(\d)\./, (_, s: string) => `res${Number(s) + 1}.`);
  k = k.replace(/\.downsample\.0\./, '.shortcut.').replace(/\.downsample\.1\./, '.shortcut.norm.');
  k = k.replace(/\.bn(\d)\./, '.conv$1.norm.');
  return k;
}
