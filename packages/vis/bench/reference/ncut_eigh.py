"""Reference for `npm run bench -- vis`: the eigen step of MaskCut, scipy.linalg.eigh(D - A, D, subset_by_index=[1, 2])
as CutLER's maskcut.py calls it, on the same affinity matrices as ours.

Usage: python ncut_eigh.py MATRICES.bin COUNT N
MATRICES.bin holds COUNT float64 row-major N x N affinities. Prints one JSON line: seconds for all (best of 3) and the
eigenvalues.
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
        w, _ = eigh(D - A, D, subset_by_index=[1, 2])
        out.append(float(w[0]))
    return out


values = run()
best = min((lambda t: (run(), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
print(json.dumps({'seconds': best, 'eigenvalues': values}))
