"""Reference for `npm run bench -- vis`: step B (VideoCutLER mask PNGs -> YouTube-VIS tube JSON) with PIL +
pycocotools, the way the original convert_videocutler_png_to_json.py works.

Usage: python convert_masks.py MASK_ROOT IMG_ROOT OUT_JSON
Per video folder of IMG_ROOT (sorted): frames = sorted *.jpg; masks = sorted mask_*.png of MASK_ROOT/<video>, matched
to frames by id; size from the first frame (PIL, header only); each mask read with np.array(Image.open()) (palette
indices); for every label k > 0: mask.encode(np.asfortranarray(arr == k)), area, toBbox; null where absent. Writes
the JSON with json.dump. Prints one JSON line: {"seconds": wall time of the conversion, "frames": frames read}.
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image
from pycocotools import mask as M

mask_root, img_root, out_json = sys.argv[1:4]
t0 = time.perf_counter()
videos, annotations = [], []
frames_read = 0
for vid_index, video in enumerate(sorted(d for d in os.listdir(img_root) if os.path.isdir(os.path.join(img_root, d)))):
    frames = sorted(f for f in os.listdir(os.path.join(img_root, video)) if f.endswith('.jpg'))
    ids = {os.path.splitext(f)[0]: i for i, f in enumerate(frames)}
    mdir = os.path.join(mask_root, video)
    if not os.path.isdir(mdir):
        continue
    masks = sorted(f for f in os.listdir(mdir) if f.startswith('mask_') and f.endswith('.png'))
    w, h = Image.open(os.path.join(img_root, video, frames[0])).size
    tracks = {}
    for name in masks:
        t = ids[name[5:-4]]
        arr = np.array(Image.open(os.path.join(mdir, name)))
        frames_read += 1
        for k in np.unique(arr):
            if k == 0:
                continue
            rle = M.encode(np.asfortranarray((arr == k).astype(np.uint8)))
            tr = tracks.setdefault(int(k), {'segmentations': [None] * len(frames), 'bboxes': [None] * len(frames), 'areas': [None] * len(frames)})
            tr['segmentations'][t] = {'size': [int(x) for x in rle['size']], 'counts': rle['counts'].decode('ascii')}
            tr['bboxes'][t] = M.toBbox(rle).tolist()
            tr['areas'][t] = int(M.area(rle))
    vid = vid_index + 1
    videos.append({'id': vid, 'width': w, 'height': h, 'length': len(frames), 'file_names': [f'{video}/{f}' for f in frames]})
    for k in sorted(tracks):
        annotations.append({'id': len(annotations) + 1, 'video_id': vid, 'category_id': 1, 'iscrowd': 0, 'height': h, 'width': w, **tracks[k]})
with open(out_json, 'w') as f:
    json.dump({'videos': videos, 'annotations': annotations, 'categories': [{'id': 1, 'name': 'object', 'supercategory': 'object'}]}, f)
print(json.dumps({'seconds': time.perf_counter() - t0, 'frames': frames_read}))
