"""Reference for `npm run bench -- eval`: pycocotools' YTVOSeval (youtubevos/cocoapi f3f9948) end to end.

Usage: python ytvoseval_bench.py GT.json RESULTS.json USE_CATS
Times YTVOS(gt) (JSON load + index), loadRes (JSON load + per-frame area/toBbox), evaluate, accumulate and
summarize, and prints one JSON line with the seconds and the 12 stats. The reference code is loaded by
scripts/fixtures/ytvis_reference.py (not committed; NumPy >= 1.24 shims only).
"""
import contextlib
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'scripts', 'fixtures'))
import ytvis_reference as ref  # noqa: E402

gt_path, res_path, use_cats = sys.argv[1], sys.argv[2], int(sys.argv[3])
YTVOS, YTVOSeval, origin = ref.load()
t = {}
with contextlib.redirect_stdout(io.StringIO()):
    s = time.perf_counter()
    gt = YTVOS(gt_path)
    t['load_gt'] = time.perf_counter() - s
    s = time.perf_counter()
    dt = gt.loadRes(res_path)
    t['load_results'] = time.perf_counter() - s
    e = YTVOSeval(gt, dt, 'segm')
    e.params.useCats = use_cats
    s = time.perf_counter()
    e.evaluate()
    t['evaluate'] = time.perf_counter() - s
    s = time.perf_counter()
    e.accumulate()
    t['accumulate'] = time.perf_counter() - s
    s = time.perf_counter()
    e.summarize()
    t['summarize'] = time.perf_counter() - s
t['total'] = sum(t.values())
print(json.dumps({'seconds': t, 'cpu_seconds': time.process_time(), 'stats': [float(v) for v in e.stats], 'reference': origin}))
