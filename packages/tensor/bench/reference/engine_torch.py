"""PyTorch CPU reference timings for packages/tensor/bench/engine.bench.ts (same cases, same thread count).

Usage: python engine_torch.py --threads 1  -> prints one JSON object {case: best_ms} (best of the repetitions).
msDeformAttn uses ms_deform_attn_core_pytorch's formulation (grid_sample, the official CPU path of
Deformable-DETR), re-stated here for the benchmark only.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def ms_deform_attn_core(value, shapes, loc, weights):
    n, _, m, d = value.shape
    _, lq, _, levels, points, _ = loc.shape
    value_list = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * loc - 1
    samples = []
    for level, (h, w) in enumerate(shapes):
        v = value_list[level].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
        g = grids[:, :, :, level].transpose(1, 2).flatten(0, 1)
        samples.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    a = weights.transpose(1, 2).reshape(n * m, 1, lq, levels * points)
    out = (torch.stack(samples, dim=-2).flatten(-2) * a).sum(-1).view(n, m * d, lq)
    return out.transpose(1, 2).contiguous()


def timed(fn, min_reps=3, budget_s=1.0):
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < budget_s and len(times) < 20):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    r = {}
    a, b = torch.rand(512, 512), torch.rand(512, 512)
    r["matMul 512x512x512"] = timed(lambda: a @ b)
    qa, kb = torch.rand(8, 256, 64), torch.rand(8, 64, 256)
    r["batched matMul 8x256x64x256"] = timed(lambda: torch.bmm(qa, kb))
    tokens, weight = torch.rand(4, 300, 256), torch.rand(256, 256)
    r["linear [4,300,256] x W^T (256x256)"] = timed(lambda: F.linear(tokens, weight))
    r["matMul A^T B 512 (weight gradient)"] = timed(lambda: a.t() @ b)
    x = torch.rand(1, 256, 32, 32)
    w = torch.rand(256, 256, 3, 3)
    r["conv2d 3x3 256->256 32x32"] = timed(lambda: F.conv2d(x, w, padding=1))
    dy = torch.rand(1, 256, 32, 32)
    r["conv2d filter grad 3x3 256->256 32x32"] = timed(lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, padding=1))
    r["conv2d input grad 3x3 256->256 32x32"] = timed(lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, padding=1))
    shapes = [(40, 54), (20, 27), (10, 14), (5, 7)]
    s = sum(h * w for h, w in shapes)
    value = torch.rand(1, s, 8, 32, requires_grad=True)
    loc = torch.rand(1, s, 8, 4, 4, 2, requires_grad=True)
    att = torch.rand(1, s, 8, 4, 4, requires_grad=True)
    with torch.no_grad():
        r["msDeformAttn forward (encoder, 320x427 frame)"] = timed(lambda: ms_deform_attn_core(value, shapes, loc, att))
    out = ms_deform_attn_core(value, shapes, loc, att)
    cot = torch.rand_like(out)

    def backward():
        value.grad = loc.grad = att.grad = None
        torch.autograd.grad(out, (value, loc, att), cot, retain_graph=True)

    r["msDeformAttn backward (encoder, 320x427 frame)"] = timed(backward)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
