"""PyTorch (CPU) reference of SeqFormer for `npm run bench -- seqformer`: the same architecture and training objective
as @wsovvis/seqformer and the official code (VNext projects/SeqFormer), written from models.md for the benchmark only
(never a product dependency). Parameter names follow the standalone checkpoints, so `--check` can load the official
fixture (packages/seqformer/test/fixtures/seqformer) and prove that this reference computes the official numbers.

  python seqformer_torch.py --check packages/seqformer/test/fixtures/seqformer
  python seqformer_torch.py --bench train --threads 1 --frames 5 --height 320 --width 568 --reps 3
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn
from torchvision.models.resnet import Bottleneck, ResNet
from torchvision.ops import FrozenBatchNorm2d


def mlp(i, h, o, n):
    dims = [i] + [h] * (n - 1) + [o]
    m = nn.Module()
    m.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
    return m


def run_mlp(m, x):
    for i, l in enumerate(m.layers):
        x = l(x)
        if i < len(m.layers) - 1:
            x = F.relu(x)
    return x


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(0, 1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def msda_core(value, shapes, loc, aw):
    # value [N,S,M,D], loc [N,Lq,M,L,P,2] in [0,1], aw [N,Lq,M,L,P] -> [N,Lq,M*D]; grid_sample, zeros, align False
    n, _, m, d = value.shape
    _, lq, _, nl, p, _ = loc.shape
    values = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * loc - 1
    out = []
    for l, (h, w) in enumerate(shapes):
        v = values[l].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
        g = grids[:, :, :, l].transpose(1, 2).flatten(0, 1)
        out.append(F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False))
    a = aw.transpose(1, 2).reshape(n * m, 1, lq, nl * p)
    return (torch.stack(out, dim=-2).flatten(-2) * a).sum(-1).view(n, m * d, lq).transpose(1, 2)


class MSDA(nn.Module):
    def __init__(self, c, levels, heads, points):
        super().__init__()
        self.c, self.l, self.m, self.p = c, levels, heads, points
        self.sampling_offsets = nn.Linear(c, heads * levels * points * 2)
        self.attention_weights = nn.Linear(c, heads * levels * points)
        self.value_proj = nn.Linear(c, c)
        self.output_proj = nn.Linear(c, c)
        self.output_proj_box = nn.Linear(c, c)

    def sample(self, query, ref, value, shapes):
        # query [N,Lq,C], ref [N,Lq,L,2|4], value [N,S,M,D] (N = frames)
        n, lq, _ = query.shape
        off = self.sampling_offsets(query).view(n, lq, self.m, self.l, self.p, 2)
        aw = F.softmax(self.attention_weights(query).view(n, lq, self.m, self.l * self.p), -1).view(n, lq, self.m, self.l, self.p)
        if ref.shape[-1] == 2:
            norm = torch.tensor([[w, h] for h, w in shapes], dtype=query.dtype)
            loc = ref[:, :, None, :, None, :] + off / norm[None, None, None, :, None, :]
        else:
            loc = ref[:, :, None, :, None, :2] + off / self.p * ref[:, :, None, :, None, 2:] * 0.5
        return msda_core(value, shapes, loc, aw)

    def values(self, x, keep):
        v = self.value_proj(x) * keep[..., None]
        return v.view(x.shape[0], x.shape[1], self.m, self.c // self.m)


class EncLayer(nn.Module):
    def __init__(self, c, ffn, levels, heads, points):
        super().__init__()
        self.self_attn = MSDA(c, levels, heads, points)
        self.norm1, self.norm2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.linear1, self.linear2 = nn.Linear(c, ffn), nn.Linear(ffn, c)

    def forward(self, x, pos, ref, keep, shapes, drop):
        x = self.norm1(x + drop(self.self_attn.output_proj(self.self_attn.sample(x + pos, ref, self.self_attn.values(x, keep), shapes))))
        return self.norm2(x + drop(self.linear2(drop(F.relu(self.linear1(x))))))


class DecLayer(nn.Module):
    def __init__(self, c, ffn, levels, heads, points, dropout):
        super().__init__()
        self.cross_attn = MSDA(c, levels, heads, points)
        self.self_attn = nn.MultiheadAttention(c, heads, dropout=dropout, batch_first=True)
        self.self_attn_box = nn.MultiheadAttention(c, heads, dropout=dropout, batch_first=True)
        for n in ['norm1', 'norm1_box', 'norm2', 'norm2_box', 'norm3', 'norm3_box']:
            setattr(self, n, nn.LayerNorm(c))
        self.linear1, self.linear2 = nn.Linear(c, ffn), nn.Linear(ffn, c)
        self.linear1_box, self.linear2_box = nn.Linear(c, ffn), nn.Linear(ffn, c)
        self.time_attention_weights = nn.Linear(c, 1)

    def forward(self, tgt, box, qpos, ref, value, shapes, t, drop):
        b, q, c = tgt.shape
        x = tgt + qpos
        tgt = self.norm2(tgt + drop(self.self_attn(x, x, tgt, need_weights=False)[0]))
        bb = box if box.dim() == 3 else box.flatten(0, 1)
        pos = qpos if box.dim() == 3 else qpos[:, None].expand(b, t, q, c).flatten(0, 1)
        bb = self.norm2_box(bb + drop(self.self_attn_box(bb + pos, bb + pos, bb, need_weights=False)[0]))
        box = bb if box.dim() == 3 else bb.view(b, t, q, c)
        bq = (box + qpos) if box.dim() == 3 else (box + qpos[:, None])
        bq = bq[:, None].expand(b, t, q, c) if box.dim() == 3 else bq
        sampled = self.cross_attn.sample(bq.flatten(0, 1), ref.flatten(0, 1), value, shapes)
        out = self.cross_attn.output_proj(sampled).view(b, t, q, c)
        out_box = self.cross_attn.output_proj_box(sampled).view(b, t, q, c)
        box = self.norm1_box((box[:, None] if box.dim() == 3 else box) + drop(out_box))
        box = self.norm3_box(box + drop(self.linear2_box(drop(F.relu(self.linear1_box(box))))))
        w = F.softmax(self.time_attention_weights(box), 1)
        tgt = self.norm1(tgt + drop((out * w).sum(1)))
        tgt = self.norm3(tgt + drop(self.linear2(drop(F.relu(self.linear1(tgt))))))
        return tgt, box


def sine_pos(valid, npf):
    # valid [N,h,w] bool -> [N,h,w,2*npf]
    not_mask = valid.float()
    y = not_mask.cumsum(1)
    x = not_mask.cumsum(2)
    y = (y - 0.5) / (y[:, -1:, :] + 1e-6) * (2 * math.pi)
    x = (x - 0.5) / (x[:, :, -1:] + 1e-6) * (2 * math.pi)
    dim_t = torch.arange(npf, dtype=torch.float32)
    dim_t = 10000 ** (2 * (dim_t // 2) / npf)
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3)


def aligned_bilinear2(x):
    h, w = x.shape[-2:]
    x = F.pad(x, (0, 1, 0, 1), mode='replicate')
    x = F.interpolate(x, size=(2 * h + 1, 2 * w + 1), mode='bilinear', align_corners=True)
    x = F.pad(x, (1, 0, 1, 0), mode='replicate')
    return x[:, :, :2 * h, :2 * w]


class Detr(nn.Module):
    pass


class SeqFormerRef(nn.Module):
    def __init__(self, c=256, heads=8, enc=6, dec=6, ffn=1024, queries=300, classes=40, levels=4, enc_points=4, dec_points=4,
                 dropout=0.1, res2=256, width=64):
        super().__init__()
        self.c, self.levels, self.dropout = c, levels, dropout
        net = ResNet(Bottleneck, [3, 4, 6, 3], norm_layer=FrozenBatchNorm2d)
        if res2 != 256:
            net.inplanes = 64
            for i, (n, s) in enumerate([(3, 1), (4, 2), (6, 2), (3, 2)]):
                setattr(net, f'layer{i + 1}', net._make_layer(Bottleneck, res2 // 4 * 2 ** i, n, stride=s))
        net.fc = nn.Identity()
        for name, p in net.named_parameters():  # stem + res2 frozen (FREEZE_AT 2)
            if not any(k in name for k in ['layer2', 'layer3', 'layer4']):
                p.requires_grad_(False)
        chans = [res2 * 2, res2 * 4, res2 * 8]
        self.detr = Detr()
        body = nn.Module()
        body.body = net
        self.detr.backbone = nn.ModuleList([body])
        self.detr.input_proj = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(ch, c, 1), nn.GroupNorm(32, c)) for ch in chans] +
            [nn.Sequential(nn.Conv2d(chans[-1], c, 3, 2, 1), nn.GroupNorm(32, c))])
        tr = nn.Module()
        tr.level_embed = nn.Parameter(torch.randn(levels, c))
        tr.encoder = nn.Module()
        tr.encoder.layers = nn.ModuleList(EncLayer(c, ffn, levels, heads, enc_points) for _ in range(enc))
        tr.decoder = nn.Module()
        tr.decoder.layers = nn.ModuleList(DecLayer(c, ffn, levels, heads, dec_points, dropout) for _ in range(dec))
        tr.reference_points = nn.Linear(c, 2)
        self.detr.transformer = tr
        self.detr.class_embed = nn.ModuleList(nn.Linear(c, classes) for _ in range(dec))
        self.detr.bbox_embed = nn.ModuleList(mlp(c, c, 4, 3) for _ in range(dec))
        self.detr.query_embed = nn.Embedding(queries, 2 * c)
        cm = c // 32
        self.controller = mlp(c, c, (cm + 2) * 8 + 64 + 8 + 17, 3)
        mh = nn.Module()
        mh.lay1, mh.lay2 = nn.Conv2d(c, c // 4, 3, padding=1), nn.Conv2d(c // 4, c // 32, 3, padding=1)
        mh.lay3, mh.lay4, mh.dcn = (nn.Conv2d(c, c, 3, padding=1) for _ in range(3))
        self.mask_head = mh
        with torch.no_grad():
            for cl in self.detr.class_embed:
                cl.bias.fill_(-math.log(99))
            for i, bb in enumerate(self.detr.bbox_embed):
                bb.layers[-1].weight.zero_()
                bb.layers[-1].bias.copy_(torch.tensor([0, 0, -2.0, -2.0]) if i == 0 else torch.zeros(4))

    def load_standalone(self, sd):
        sd = {k: v for k, v in sd.items() if not k.startswith('detr.transformer.decoder.bbox_embed.')}
        missing, unexpected = self.load_state_dict(sd, strict=False)
        assert not unexpected, unexpected
        assert all('num_batches_tracked' in k for k in missing), missing

    def forward(self, frames, sizes, t, targets=None):
        """frames [B*T,3,Hp,Wp]; sizes [(h,w)] per video. Returns per-layer (logits, boxes, refs, hs) and mask features."""
        drop = (lambda x: F.dropout(x, self.dropout, self.training)) if self.training else (lambda x: x)
        n, _, hp, wp = frames.shape
        b = n // t
        valid = torch.zeros(n, hp, wp, dtype=torch.bool)
        for i in range(n):
            h, w = sizes[i // t]
            valid[i, :h, :w] = True
        net = self.detr.backbone[0].body
        x = net.maxpool(net.relu(net.bn1(net.conv1(frames))))
        feats = []
        for name in ['layer1', 'layer2', 'layer3', 'layer4']:
            x = getattr(net, name)(x)
            feats.append(x)
        srcs = [self.detr.input_proj[l](feats[l + 1]) for l in range(3)] + [self.detr.input_proj[3](feats[-1])]
        vlev = [F.interpolate(valid[None].float(), size=s.shape[-2:])[0] > 0.5 for s in srcs]
        shapes = [tuple(s.shape[-2:]) for s in srcs]
        tr = self.detr.transformer
        src = torch.cat([s.flatten(2).transpose(1, 2) for s in srcs], 1)
        pos = torch.cat([sine_pos(v, self.c // 2).flatten(1, 2) + tr.level_embed[l] for l, v in enumerate(vlev)], 1)
        keep = torch.cat([v.flatten(1) for v in vlev], 1).float()
        vr = torch.stack([torch.stack([v[:, 0, :].sum(1).float() / v.shape[2], v[:, :, 0].sum(1).float() / v.shape[1]], -1) for v in vlev], 1)
        vr = vr[::t]  # frame 0 of each video [B,L,2]
        refs = []
        for (h, w) in shapes:
            ry, rx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h), torch.linspace(0.5, w - 0.5, w), indexing='ij')
            refs.append(torch.stack((rx.reshape(-1)[None] / (vr[:, None, len(refs), 0] * w), ry.reshape(-1)[None] / (vr[:, None, len(refs), 1] * h)), -1))
        ref = torch.cat(refs, 1)[:, :, None] * vr[:, None]
        ref = ref.repeat_interleave(t, 0)
        mem = src
        for layer in tr.encoder.layers:
            mem = layer(mem, pos, ref, keep, shapes, drop)
        qpos, tgt = torch.split(self.detr.query_embed.weight, self.c, dim=1)
        qpos, tgt = qpos[None].expand(b, -1, -1), tgt[None].expand(b, -1, -1)
        reference = tr.reference_points(qpos).sigmoid()[:, None].repeat(1, t, 1, 1)
        box = tgt
        outs = []
        for lid, layer in enumerate(tr.decoder.layers):
            r = reference[:, :, :, None] * (torch.cat([vr, vr], -1) if reference.shape[-1] == 4 else vr)[:, None, None]
            value = layer.cross_attn.values(mem, keep)
            tgt, box = layer(tgt, box, qpos, r, value, shapes, t, drop)
            tmp = run_mlp(self.detr.bbox_embed[lid], box)
            inv = inverse_sigmoid(reference)
            coord = (tmp + inv if reference.shape[-1] == 4 else torch.cat([tmp[..., :2] + inv, tmp[..., 2:]], -1)).sigmoid()
            outs.append((self.detr.class_embed[lid](tgt), coord, reference, tgt))
            reference = coord.detach()
        mh = self.mask_head
        st, mems = 0, []
        for (h, w) in shapes[:3]:
            mems.append(mem[:, st:st + h * w].transpose(1, 2).reshape(n, self.c, h, w))
            st += h * w
        f = F.relu(mh.lay3(mems[2]))
        f = F.relu(mh.lay4(mems[1] + F.interpolate(f, size=mems[1].shape[-2:], mode='nearest')))
        f = F.relu(mh.dcn(mems[0] + F.interpolate(f, size=mems[0].shape[-2:], mode='nearest')))
        f = F.relu(mh.lay2(F.relu(mh.lay1(f))))
        return outs, f

    def masks(self, outs, feats, lid, video, queries, sizes, t, paddedH):
        _, _, ref, hs = outs[lid]
        p = run_mlp(self.controller, hs[video, queries])  # [n, P]
        h, w = sizes[video]
        loc = inverse_sigmoid(ref[video, :, queries, :2]).sigmoid()
        loc = loc * torch.tensor([w, h], dtype=torch.float32)  # [T, n, 2]
        fm = feats[video * t:(video + 1) * t]  # [T, Cm, h0, w0]
        tt, cm, h0, w0 = fm.shape
        s = paddedH // h0
        ys, xs = torch.meshgrid(torch.arange(h0) * s + s // 2, torch.arange(w0) * s + s // 2, indexing='ij')
        grid = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1).float()
        n = len(queries)
        w0s, w1, w2, b0, b1, b2 = torch.split(p, [(cm + 2) * 8, 64, 8, 8, 8, 1], 1)
        rel = (loc[:, :, None] - grid[None, None]).permute(1, 0, 2, 3)  # [n, T, P, 2]
        inp = torch.cat([rel, fm.flatten(2).transpose(1, 2)[None].expand(n, -1, -1, -1)], -1).flatten(1, 2)  # [n,T*P,Cm+2]
        x = F.relu(torch.bmm(inp, w0s.view(n, 8, cm + 2).transpose(1, 2)) + b0[:, None])
        x = F.relu(torch.bmm(x, w1.view(n, 8, 8).transpose(1, 2)) + b1[:, None])
        x = torch.bmm(x, w2.view(n, 1, 8).transpose(1, 2)) + b2[:, None]
        return aligned_bilinear2(x.view(n * tt, 1, h0, w0)).view(n, tt, 2 * h0, 2 * w0)


def focal_sum(x, t, alpha=0.25):
    p = x.sigmoid()
    ce = F.binary_cross_entropy_with_logits(x, t, reduction='none')
    pt = p * t + (1 - p) * (1 - t)
    return (ce * (1 - pt) ** 2 * (alpha * t + (1 - alpha) * (1 - t))).sum()


def giou_loss(a, b, eps=1e-7):
    x1, y1, x2, y2 = a.unbind(-1)
    x1g, y1g, x2g, y2g = b.unbind(-1)
    inter = (torch.min(x2, x2g) - torch.max(x1, x1g)).clamp(min=0) * (torch.min(y2, y2g) - torch.max(y1, y1g)).clamp(min=0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    area = (torch.max(x2, x2g) - torch.min(x1, x1g)) * (torch.max(y2, y2g) - torch.min(y1, y1g))
    return 1 - (inter / (union + eps) - (area - union) / (area + eps))


def xyxy(bx):
    cx, cy, w, h = bx.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def match(logits, boxes, tgt):
    # logits [Q,K], boxes [T,Q,4], tgt: labels [N], boxes [N,T,4]
    with torch.no_grad():
        prob = logits.sigmoid()
        lab = tgt['labels']
        pos = 0.25 * (1 - prob) ** 2 * -(prob + 1e-8).log()
        neg = 0.75 * prob ** 2 * -(1 - prob + 1e-8).log()
        cc = (pos - neg)[:, lab]
        ob = boxes.permute(1, 0, 2)
        cb = torch.cdist(ob.flatten(1), tgt['boxes'].flatten(1))
        tb = xyxy(tgt['boxes'].clamp(1e-7, 1))
        pb = xyxy(ob)
        lt = torch.max(pb[:, None], tb[None])[..., :2]
        rb = torch.min(pb[:, None], tb[None])[..., 2:]
        inter = (rb - lt).clamp(min=0).prod(-1)
        ap = (pb[..., 2:] - pb[..., :2]).prod(-1)
        at = (tb[..., 2:] - tb[..., :2]).prod(-1)
        union = ap[:, None] + at[None] - inter
        lt2 = torch.min(pb[:, None], tb[None])[..., :2]
        rb2 = torch.max(pb[:, None], tb[None])[..., 2:]
        area = (rb2 - lt2).clamp(min=0).prod(-1)
        giou = (inter / union - (area - union) / (area + 1e-7)).mean(-1)
        c = 5 * cb + 2 * cc - 2 * giou
        i, j = linear_sum_assignment(c.numpy())
        return torch.as_tensor(i), torch.as_tensor(j)


def training_losses(model, frames, sizes, t, targets, hp, wp):
    outs, feats = model(frames, sizes, t)
    nb = max(sum(len(x['labels']) for x in targets), 1)
    total = 0
    losses = {}
    for lid, (logits, boxes, _, _) in enumerate(outs):
        sfx = '' if lid == len(outs) - 1 else f'_{lid}'
        onehot = torch.zeros_like(logits)
        src_b, tgt_b, src_m, tgt_m = [], [], [], []
        for v, tg in enumerate(targets):
            i, j = match(logits[v], boxes[v], tg)
            onehot[v, i, tg['labels'][j]] = 1
            src_b.append(boxes[v][:, i].transpose(0, 1))
            tgt_b.append(tg['boxes'][j])
            src_m.append(model.masks(outs, feats, lid, v, i, sizes, t, hp).flatten(1))
            gm = F.pad(tg['masks'][j].float(), (0, wp - tg['masks'].shape[-1], 0, hp - tg['masks'].shape[-2]))[..., 2::4, 2::4]
            tgt_m.append(gm.flatten(1))
        sb, tb, sm, tm = torch.cat(src_b), torch.cat(tgt_b), torch.cat(src_m), torch.cat(tgt_m)
        losses['loss_ce' + sfx] = focal_sum(logits, onehot) / nb
        losses['loss_bbox' + sfx] = (sb - tb).abs().sum() / t / nb
        losses['loss_giou' + sfx] = giou_loss(xyxy(sb), xyxy(tb)).sum() / t / nb
        losses['loss_mask' + sfx] = focal_sum(sm, tm) / sm.shape[1] / nb
        p = sm.sigmoid()
        losses['loss_dice' + sfx] = (1 - (2 * (p * tm).sum(1) + 1) / (p.sum(1) + tm.sum(1) + 1)).sum() / nb
    weights = {'loss_ce': 2, 'loss_bbox': 5, 'loss_giou': 2, 'loss_mask': 2, 'loss_dice': 5}
    for k, v in losses.items():
        total = total + weights[k.split('_')[0] + '_' + k.split('_')[1]] * v
    return total, losses, outs, feats


def check(fixture):
    import numpy as np
    meta = json.load(open(f'{fixture}/cases.json'))
    d = meta['dims']
    model = SeqFormerRef(c=d['hidden'], heads=d['nheads'], enc=d['enc_layers'], dec=d['dec_layers'], ffn=d['ffn'], queries=d['queries'],
                         classes=d['classes'], enc_points=d['enc_points'], dec_points=d['dec_points'], res2=16)
    model.load_standalone(torch.load(f'{fixture}/seqformer_tiny.pth', weights_only=False)['model'])
    model.eval()
    worst = {}
    ld = lambda n, s: torch.from_numpy(np.fromfile(f'{fixture}/{n}.bin', dtype=np.float32).reshape(s))
    with torch.no_grad():
        for c in meta['cases']:
            fr = ld(c['name'] + '__frames_nhwc', c['input_shape']).permute(0, 3, 1, 2)
            t, h, w = fr.shape[0], fr.shape[2], fr.shape[3]
            hp, wp = -(-h // 32) * 32, -(-w // 32) * 32
            outs, feats = model(F.pad(fr, (0, wp - w, 0, hp - h)), [(h, w)], t)
            logits, boxes = outs[-1][0][0], outs[-1][1][0]
            masks = model.masks(outs, feats, len(outs) - 1, 0, torch.arange(d['queries']), [(h, w)], t, hp)
            for k, v in [('pred_logits', logits), ('pred_boxes', boxes), ('pred_masks', masks)]:
                worst[f"{c['name']}/{k}"] = float((v - ld(c['name'] + '__' + k, c[k + '_shape'])).abs().max())
        tr = meta['train']
        frames, sizes, targets = [], [], []
        for i, v in enumerate(tr['videos']):
            fr = ld(f'train__video{i}__frames_nhwc', [tr['frames'], v['height'], v['width'], 3]).permute(0, 3, 1, 2)
            frames.append(fr)
            sizes.append((v['height'], v['width']))
            targets.append({'labels': torch.tensor(v['labels']), 'boxes': ld(f'train__video{i}__boxes', [v['num_instances'], tr['frames'], 4]),
                            'masks': ld(f'train__video{i}__masks', [v['num_instances'], tr['frames'], v['height'], v['width']])})
        hp = -(-max(s[0] for s in sizes) // 32) * 32
        wp = -(-max(s[1] for s in sizes) // 32) * 32
        batch = torch.cat([F.pad(f, (0, wp - f.shape[-1], 0, hp - f.shape[-2])) for f in frames])
        _, losses, _, _ = training_losses(model, batch, sizes, tr['frames'], targets, hp, wp)
        for k, v in losses.items():
            worst['loss/' + k] = abs(float(v) - tr['losses'][k]) / max(1, abs(tr['losses'][k]))
    print(json.dumps(worst, indent=1))
    assert max(worst.values()) < 1e-3, 'reference does not match the official fixture'


def bench(mode, threads, t, h, w, reps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = SeqFormerRef()
    hp, wp = -(-h // 32) * 32, -(-w // 32) * 32
    frames = F.pad(torch.randn(t, 3, h, w), (0, wp - w, 0, hp - h))
    masks = torch.zeros(2, t, h, w)
    masks[0, :, h // 4:h // 2, w // 4:w // 2] = 1
    masks[1, :, h // 2:h - 8, w // 2:w - 8] = 1
    boxes = torch.tensor([[0.375, 0.375, 0.25, 0.25], [0.75 - 4 / w, 0.75 - 4 / h, 0.5 - 8 / w, 0.5 - 8 / h]])[:, None].repeat(1, t, 1)
    targets = [{'labels': torch.tensor([3, 7]), 'boxes': boxes, 'masks': masks}]
    times = []
    if mode == 'train':
        model.train()
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        for r in range(reps + 1):
            t0 = time.perf_counter()
            opt.zero_grad()
            total, _, _, _ = training_losses(model, frames, [(h, w)], t, targets, hp, wp)
            total.backward()
            opt.step()
            times.append(time.perf_counter() - t0)
    else:
        model.eval()
        with torch.no_grad():
            for r in range(reps + 1):
                t0 = time.perf_counter()
                outs, feats = model(frames, [(h, w)], t)
                top = outs[-1][0][0].sigmoid().max(-1)[0].topk(10)[1]
                m = model.masks(outs, feats, len(outs) - 1, 0, top, [(h, w)], t, hp)
                m = F.interpolate(m, size=(hp, wp), mode='bilinear', align_corners=False).sigmoid()[:, :, :h, :w] > 0.5
                times.append(time.perf_counter() - t0)
    times = sorted(times[1:])
    print(json.dumps({'mode': mode, 'threads': threads, 'torch': torch.__version__, 'median_s': times[len(times) // 2], 'times_s': times}))


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--check')
    ap.add_argument('--bench', choices=['train', 'infer'])
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--frames', type=int, default=5)
    ap.add_argument('--height', type=int, default=320)
    ap.add_argument('--width', type=int, default=568)
    ap.add_argument('--reps', type=int, default=3)
    a = ap.parse_args()
    if a.check:
        check(a.check)
    if a.bench:
        bench(a.bench, a.threads, a.frames, a.height, a.width, a.reps)
