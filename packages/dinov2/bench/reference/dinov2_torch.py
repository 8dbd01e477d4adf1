"""PyTorch CPU reference for packages/dinov2/bench/dinov2.bench.ts: DINOv2 ViT-S/14 forward_features timings.

The model is timm's port of DINOv2 (`vit_small_patch14_dinov2`: patch 14, embed 384, depth 12, 6 heads, LayerScale,
exact GELU, img_size 518, scaled_dot_product_attention), randomly initialised with a fixed seed; its state dict uses
the official key names, so the benchmark loads the very same weights into our ViT.

Usage: python dinov2_torch.py --threads 1 --sizes 224 448 --weights out.pth  -> one JSON object on stdout:
{"torch": version, "threads": n, "ms": {"224": median_ms, ...}}
"""
import argparse
import json
import statistics
import time

import timm
import torch


def timed(fn, min_reps=3, budget_s=3.0):
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < budget_s and len(times) < 20):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--sizes', type=int, nargs='+', required=True)
    ap.add_argument('--weights', help='write the state dict here (official DINOv2 key names)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = timm.create_model('vit_small_patch14_dinov2', pretrained=False, dynamic_img_size=True, num_classes=0).eval()
    if args.weights:
        torch.save(model.state_dict(), args.weights)
    out = {'torch': torch.__version__, 'timm': timm.__version__, 'threads': args.threads, 'ms': {}}
    with torch.inference_mode():
        for size in args.sizes:
            x = torch.randn(1, 3, size, size)
            out['ms'][str(size)] = timed(lambda: model.forward_features(x))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
