"""Reference for `npm run bench -- vis`: the eigen step of MaskCut, scipy.linalg.eigh(D - A, D, subset_by_index=[1, 2])
as CutLER's maskcut.py calls it, on the same affinity matrices as ours.

Usage: python ncut_eigh.py MATRICES.bin COUNT N
MATRICES.bin holds COUNT float64 row-major N x N affinities. Prints one JSON line: seconds for all (best of 3, or of
one run when a run takes over 20 s), the eigenvalues and the eigenvectors (unit D-norm, sign chosen so that the
largest |value| is positive, as ours are compared).
"""
import json
import sys
import time

import numpy as np
from scipy.linalg import eigh

path, count, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mats = np.fromfile(path, dtype=np.float64).reshape(count, n, n)


def run():
    out = []
    for A in mats:
        D = np.diag(A.sum(1))
        w, v = eigh(D - A, D, subset_by_index=[1, 2])
        out.append((float(w[0]), v[:, 0]))
    return out


t = time.perf_counter()
result = run()
best = time.perf_counter() - t
if best < 20:
    for _ in range(3):
        t = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t)
vectors = []
for _, v in result:
    vectors.append((v * np.sign(v[np.argmax(np.abs(v))])).tolist())
print(json.dumps({'seconds': best, 'eigenvalues': [w for w, _ in result], 'vectors': vectors}))
