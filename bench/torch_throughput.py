"""PyTorch baseline for bench/train-throughput (issue 8): the same head models on the
same inputs, one CPU thread. Run by the bench, which writes the inputs to --dir:

  dense_x.f32 (n x d, row-major), dense_y.i32, dense_meta.json {n, d, hidden}
  sparse_indptr.i32, sparse_indices.i32, sparse_values.f32, sparse_y.i32, sparse_meta.json {n, dims}

--jobs is a comma list of dense:<batch> and sparse:<batch>; --first-repeat numbers the
repeats (their seeds), so that the bench can run one repeat at a time, each right after
its own. Prints one JSON line:
{"dense:32": [ex/s per repeat], ..., "sparse:64": [s per epoch per repeat]}.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)


def dense_job(d, batch, repeats, first):
    meta = json.load(open(os.path.join(d, "dense_meta.json")))
    n, dim, hidden = meta["n"], meta["d"], meta["hidden"]
    x = torch.from_numpy(np.fromfile(os.path.join(d, "dense_x.f32"), dtype=np.float32).reshape(n, dim))
    y = torch.from_numpy(np.fromfile(os.path.join(d, "dense_y.i32"), dtype=np.int32).astype(np.int64))
    out = []
    for r in range(first, first + repeats):
        torch.manual_seed(100 + r)
        model = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 2))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        model.train()

        def run_epoch(max_steps=None):
            perm = torch.randperm(n)
            total = 0.0
            for s, start in enumerate(range(0, n, batch)):
                if max_steps is not None and s >= max_steps:
                    break
                idx = perm[start:start + batch]
                xb, yb = x.index_select(0, idx), y.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)  # read back every step, as our trainer does
            return total / n

        run_epoch(20)  # warm-up
        t0 = time.perf_counter()
        run_epoch()
        out.append(n / (time.perf_counter() - t0))
    return out


def sparse_job(d, batch, repeats, first):
    meta = json.load(open(os.path.join(d, "sparse_meta.json")))
    n, dims = meta["n"], meta["dims"]
    indptr = np.fromfile(os.path.join(d, "sparse_indptr.i32"), dtype=np.int32).astype(np.int64)
    indices = np.fromfile(os.path.join(d, "sparse_indices.i32"), dtype=np.int32).astype(np.int64)
    values = np.fromfile(os.path.join(d, "sparse_values.f32"), dtype=np.float32)
    y = np.fromfile(os.path.join(d, "sparse_y.i32"), dtype=np.int32).astype(np.int64)
    out = []
    for r in range(first, first + repeats):
        torch.manual_seed(200 + r)
        # the same model as our linear n-gram head: a bag of table rows straight to the logits, plus a bias
        bag = nn.EmbeddingBag(dims, 2, mode="sum", sparse=True)
        nn.init.zeros_(bag.weight)
        bias = nn.Parameter(torch.zeros(2))
        # lazy Adam on the table (rows of the batch only), as our RowOptimizer; Adam on the bias
        opt_sparse = torch.optim.SparseAdam(list(bag.parameters()), lr=0.01)
        opt_dense = torch.optim.Adam([bias], lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        t0 = time.perf_counter()
        perm = np.random.default_rng(200 + r).permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            rows = perm[start:start + batch]
            starts, ends = indptr[rows], indptr[rows + 1]
            lengths = ends - starts
            offsets = np.zeros(len(rows), dtype=np.int64)
            np.cumsum(lengths[:-1], out=offsets[1:])
            pos = np.repeat(starts - offsets, lengths) + np.arange(lengths.sum())
            inp = torch.from_numpy(indices[pos])
            psw = torch.from_numpy(values[pos])
            off = torch.from_numpy(offsets)
            yb = torch.from_numpy(y[rows])
            opt_sparse.zero_grad(set_to_none=True)
            opt_dense.zero_grad(set_to_none=True)
            loss = loss_fn(bag(inp, off, per_sample_weights=psw) + bias, yb)
            loss.backward()
            opt_sparse.step()
            opt_dense.step()
            total += loss.item() * len(rows)
        out.append(time.perf_counter() - t0)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--jobs", required=True)
    p.add_argument("--first-repeat", type=int, default=0)
    a = p.parse_args()
    res = {}
    for job in a.jobs.split(","):
        kind, b = job.split(":")
        res[job] = (dense_job if kind == "dense" else sparse_job)(a.dir, int(b), a.repeats, a.first_repeat)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
