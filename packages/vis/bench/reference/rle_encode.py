"""Reference for `npm run bench -- rle`: pycocotools mask.encode / mask.decode on the same masks.

Usage: python rle_encode.py MASKS.bin N H W REPEATS
MASKS.bin holds N row-major uint8 masks of H x W. Prints one JSON line: seconds per pass (best of REPEATS) for
encode from row-major arrays (np.asfortranarray copy + encode, what callers with C-order masks do), encode from
already Fortran-ordered arrays (the C encoder alone), decode, and a digest of the counts strings.
"""
import hashlib
import importlib.metadata
import json
import sys
import time

import numpy as np
import pycocotools
from pycocotools import mask as M

path, n, h, w, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
masks = np.fromfile(path, dtype=np.uint8).reshape(n, h, w)
fortran = [np.asfortranarray(m) for m in masks]


def best(fn):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


enc = [M.encode(np.asfortranarray(m)) for m in masks]
digest = hashlib.sha256('\n'.join(r['counts'].decode('ascii') for r in enc).encode()).hexdigest()
print(json.dumps({
    'pycocotools': importlib.metadata.version('pycocotools'),
    'numpy': np.__version__,
    'encode_c_order': best(lambda: [M.encode(np.asfortranarray(m)) for m in masks]),
    'encode_fortran': best(lambda: [M.encode(f) for f in fortran]),
    'decode': best(lambda: [M.decode(r) for r in enc]),
    'digest': digest,
}))
