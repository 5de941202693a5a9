"""ufmsweep-report STORE OUTDIR [options] (analysis/report.py in the repository): every figure that fits the store's axes, plus
OUTDIR/index.html.

Figures, chosen from the axes:
  - phase diagrams: for each pair of numeric axes (or --axes X,Y), a heatmap of the trained value
    of a metric with the predicted value as contours, one panel per value of a categorical axis
    (loss); beside it the relative error trained/predicted - 1, and with a seed axis the spread
    over seeds, with cells holding a seed more than 3 sd away from the other seeds marked x;
  - theory against numerics: each key metric against each numeric axis, one colour per value of
    the categorical axis, the prediction as a line and the trained values as markers (mean and
    sd over seeds when `seed` is an axis; outlying seeds as x);
  - convergence: the distance to the predicted geometry against iteration, one line per value of
    the first numeric axis (the median over seeds, every seed as a thin line).
Axes not shown in a figure are held at one value (--where, else two thirds along), named in the
title. Points not done are blank, never drawn as zero; panels without data are left out; a
prediction that is constant (or zero, as a distance of the prediction to itself) gets no
contours. A store of the theory alone (solver: none) is drawn and captioned as the prediction.

Works on a store that a run is writing: it reads what the run has committed so far and shows the
progress at the top of the page. With --watch it rewrites the report every SECONDS as points
arrive, until the store is complete and no run writes it (or Ctrl-C); index.html then reloads
itself in the browser. Every file is written under a temporary name and renamed into place, so a
browser never reads half a file.

Needs Debian's /usr/bin/python3 (h5py, numpy, matplotlib, xarray); MPLBACKEND=Agg is set here.
"""
import argparse
import html
import os
import sys
import tempfile
import textwrap
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm, Normalize, TwoSlopeNorm  # noqa: E402

from .store import StoreError, open_store  # noqa: E402

LABELS = {
    "w_norm_ratio": "classifier norm ratio  mean||w_maj||² / mean||w_min||²",
    "h_norm_ratio": "embedding norm ratio  mean||h_maj||² / mean||h_min||²",
    "w_cos_majmaj": "cos(w_maj, w_maj')",
    "w_cos_minmin": "cos(w_min, w_min')",
    "w_cos_majmin": "cos(w_maj, w_min)",
    "h_cos_majmaj": "cos(h_maj, h_maj')",
    "h_cos_minmin": "cos(h_min, h_min')",
    "h_cos_majmin": "cos(h_maj, h_min)",
    "dist_gw": "dist_gw = ||G_W/|G_W| - G*_W/|G*_W|||_F",
    "dist_gh": "dist_gh (embedding Gram to prediction)",
    "dist_z": "dist_z (logits W^T H to prediction)",
    "train_loss": "mean training loss",
}
CURVE_METRICS = ["w_norm_ratio", "h_norm_ratio", "w_cos_majmaj", "h_cos_majmin"]
PHASE_METRICS = ["w_norm_ratio", "dist_gw"]
OUTLIER_SD = 3.0


class Options:
    """What to draw and how (the command line's options; defaults for library callers)."""

    def __init__(self, metrics=None, axes=None, where=None, fmt="png", dpi=120):
        self.metrics = metrics      # None: PHASE_METRICS for phase diagrams, CURVE_METRICS for curves
        self.axes = axes            # None: every pair of numeric axes; else (x, y)
        self.where = where or {}    # axis -> value held in every figure
        self.fmt = fmt
        self.dpi = dpi


def label(name):
    return LABELS.get(name, name)


def fmt_value(v):
    """A coordinate as people write it: 0.4, not 0.39999999999999997; 1e-05; cdt."""
    if isinstance(v, (bytes, np.bytes_)):
        v = v.decode()
    if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool):
        return f"{float(v):.6g}"
    return str(v)


def replace_atomically(path, write):
    """write(file object) into a fresh temporary file beside path, then rename it over path:
    a reader (a browser reloading the page) sees the old file or the new one, never a part."""
    d = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)  # our own temporary file
        raise


def save_figure(fig, path, opts=None):
    opts = opts or Options()
    ext = os.path.splitext(path)[1].lstrip(".") or opts.fmt
    replace_atomically(path, lambda f: fig.savefig(f, dpi=opts.dpi, format=ext))
    plt.close(fig)


def parse_where(store, items):
    """['seed=1', 'loss=cdt'] -> ({'seed': 1.0, 'loss': 'cdt'}, None), or (None, message)."""
    axes = dict(store.axes)
    where = {}
    for w in items:
        if "=" not in w:
            return None, f"--where '{w}' is not AXIS=VALUE"
        k, v = w.split("=", 1)
        if k not in axes:
            return None, f"--where: no axis '{k}' (axes: {', '.join(axes)})"
        vals = axes[k]
        if vals.dtype.kind in "fiu":
            try:
                x = float(v)
            except ValueError:
                return None, f"--where {k}={v}: not a value of {k} ({', '.join(map(fmt_value, vals))})"
            match = [u for u in vals if np.isclose(float(u), x, rtol=1e-9, atol=0)]
        else:
            match = [u for u in vals if str(u) == v]
        if not match:
            return None, f"--where {k}={v}: not a value of {k} ({', '.join(map(fmt_value, vals))})"
        where[k] = match[0]
    return where, None


def held(store, keep, reduce=("seed",), where=None):
    """A selector holding every axis not in keep (nor in reduce) at one value: the one given in
    where, else the value two thirds along the axis (for symmetric scans such as gamma in
    [-1.5, 1.5] this avoids 0, where many losses coincide)."""
    sel, notes = {}, []
    for a, v in store.axes:
        if a in keep:
            continue
        if len(v) < 2:
            sel[a] = v[0]  # a single value: selected, so the dimension goes away
            continue
        if a in reduce and not (where and a in where):
            continue
        if where and a in where:
            val = where[a]
        else:
            # two thirds along the values that have a finished point (lr = 1e300 that diverged
            # everywhere would leave every figure blank); in a union of blocks, where a value
            # may hold only one block's points, among the values with at least half as many
            # finished points as the best one
            n_done = (store.state == store.codes["done"]).sum(
                [d for d in store.state.dims if d != a]).values
            most = n_done.max() if n_done.size else 0
            full = int((store.state != store.codes["not_in_study"]).sum()) == store.state.size
            cand = [u for u, k in zip(v, n_done) if k > 0 and (full or 2 * k >= most)] or list(v)
            val = cand[(2 * len(cand)) // 3]
        sel[a] = val
        notes.append(f"{a}={fmt_value(val)}")
    return sel, notes


def seed_stats(da):
    """(mean, sd or None, outliers or None) over the seed axis: outliers counts, per cell, the
    seeds further than OUTLIER_SD sd from the mean of the other seeds (leave-one-out, so that one
    far seed among few does not hide itself by inflating the sd)."""
    if "seed" not in da.dims or da.sizes["seed"] < 2:
        return (da.isel(seed=0) if "seed" in da.dims else da), None, None
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
        mean = da.mean("seed", skipna=True)
        sd = da.std("seed", skipna=True)
        x = da.transpose(..., "seed").values
        n = np.isfinite(x).sum(axis=-1, keepdims=True)
        out = np.zeros(x.shape[:-1], dtype=int)
        if x.shape[-1] >= 3:
            s1 = np.nansum(x, axis=-1, keepdims=True)
            s2 = np.nansum(x * x, axis=-1, keepdims=True)
            m_o = (s1 - np.nan_to_num(x)) / np.maximum(n - 1, 1)
            v_o = (s2 - np.nan_to_num(x) ** 2) / np.maximum(n - 1, 1) - m_o ** 2
            sd_o = np.sqrt(np.maximum(v_o * np.maximum(n - 1, 1) / np.maximum(n - 2, 1), 0))
            far = np.isfinite(x) & (n >= 3) & (np.abs(x - m_o) > OUTLIER_SD * np.maximum(
                sd_o, 1e-12 * np.maximum(np.abs(m_o), 1e-300)))
            out = far.sum(axis=-1)
    outliers = mean.copy(data=out.astype(float))
    return mean, sd, outliers


def log_scale_if_wide(ax, values, which="x"):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and np.all(v > 0) and v.max() / v.min() >= 20:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        readable_log_ticks(ax, which)


def readable_log_ticks(ax, which="y"):
    """Log axes labelled 0.01, 0.1, 1, 10 (not 1.172x10^0)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(mticker.NullFormatter())


def prediction_levels(t, lognorm):
    """Contour levels of the prediction t, or None when it cannot have contours: fewer than 4
    finite values (a partly finished store), or constant up to round-off (e.g. LDT at gamma =
    1/2, or a distance of the prediction to itself, which is 0 up to 1e-16)."""
    finite = t[np.isfinite(t)]
    if finite.size < 4:
        return None
    tmin, tmax = float(finite.min()), float(finite.max())
    if not tmax - tmin > 1e-9 * max(1.0, abs(tmin), abs(tmax)):
        return None
    levels = (np.geomspace(tmin, tmax, 8)[1:-1] if lognorm and tmin > 0
              else np.linspace(tmin, tmax, 8)[1:-1])
    levels = np.unique(levels)
    return levels if levels.size and np.all(np.diff(levels) > 0) else None


def numerically_zero(t):
    """A prediction that is 0 up to round-off (the distances of the prediction to itself)."""
    f = np.abs(t[np.isfinite(t)])
    return f.size == 0 or float(f.max()) < 1e-9


def _grid_ticks(ax, xs, ys, x, y):
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([fmt_value(v) for v in xs], rotation=60, fontsize=7)
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels([fmt_value(v) for v in ys], fontsize=7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def _color_norm(values, log_ok=True):
    finite = values[np.isfinite(values)]
    vmin, vmax = np.percentile(finite, [2, 98])
    if not vmax > vmin:
        vmin, vmax = finite.min() - 0.5, finite.max() + 0.5
    lognorm = log_ok and vmin > 0 and vmax / vmin >= 20  # ratios span decades
    return (LogNorm(vmin=vmin, vmax=vmax) if lognorm else Normalize(vmin=vmin, vmax=vmax)), lognorm


def draw_phase(store, x, y, metric, outfile, where=None, panel_axis=None, source="results",
               opts=None):
    """One phase diagram: the trained (or predicted, source="theory") metric over (x, y) as a
    heatmap with the prediction as contours, one panel per value of panel_axis that has data;
    for trained values also the relative error to the prediction (unless the prediction is 0
    up to round-off) and, with a seed axis, the spread over seeds with outlying cells marked.
    Axes not named are held at one value (where, else two thirds along). Returns the caption,
    or None when nothing is finite."""
    data = store.results if source == "results" else store.theory
    if data is None or metric not in data:
        return None
    keep = {x, y} | ({panel_axis} if panel_axis else set())
    sel, notes = held(store, keep, where=where)
    res, sd, outl = seed_stats(data[metric].sel(sel))
    th = store.theory[metric].sel(sel) if metric in store.theory else None
    if th is not None and "seed" in th.dims:
        th = th.isel(seed=0)  # the prediction does not depend on the seed
    panels = list(store.state[panel_axis].values) if panel_axis else [None]
    panels = [pv for pv in panels
              if np.isfinite((res.sel({panel_axis: pv}) if panel_axis else res).values).any()]
    if not panels:
        return None
    rows = ["value"]
    rel = None
    if source == "results" and th is not None and not numerically_zero(th.values):
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = res / th - 1.0
        if np.isfinite(rel.values).any():
            rows.append("relerr")
        else:
            rel = None
    if sd is not None and np.isfinite(sd.values).any():
        rows.append("spread")
    fig, axs = plt.subplots(len(rows), len(panels), figsize=(4.6 * len(panels), 3.9 * len(rows)),
                            squeeze=False, constrained_layout=True)
    norm, lognorm = _color_norm(res.values)
    what = "trained" if source == "results" else "predicted"
    for r, row in enumerate(rows):
        im = None
        if row == "relerr":
            lim = float(np.nanpercentile(np.abs(rel.values), 98)) or 1e-12
            rnorm = TwoSlopeNorm(vmin=-lim, vcenter=0.0, vmax=lim)
        if row == "spread":
            snorm, _ = _color_norm(sd.values, log_ok=False)
        for k, pv in enumerate(panels):
            ax = axs[r][k]
            pick = (lambda da: (da.sel({panel_axis: pv}) if panel_axis else da).transpose(y, x))
            v = pick(res)
            xs, ys = v[x].values, v[y].values
            edges_x, edges_y = np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5
            if row == "value":
                im = ax.pcolormesh(edges_x, edges_y, np.ma.masked_invalid(v.values), norm=norm,
                                   cmap="viridis", shading="flat")
                if th is not None:
                    t = pick(th).values
                    levels = prediction_levels(t, lognorm)
                    if levels is not None:
                        cs = ax.contour(np.arange(len(xs)), np.arange(len(ys)),
                                        np.ma.masked_invalid(t), levels=levels, colors="white",
                                        linewidths=0.8)
                        ax.clabel(cs, fontsize=7, fmt="%.3g")
                if outl is not None:
                    o = pick(outl).values
                    iy, ix = np.nonzero(o > 0)
                    if iy.size:
                        ax.plot(ix, iy, "x", color="red", ms=7, mew=1.5)
                ax.set_title(f"{panel_axis} = {fmt_value(pv)}" if panel_axis else metric, fontsize=10)
            elif row == "relerr":
                im = ax.pcolormesh(edges_x, edges_y, np.ma.masked_invalid(pick(rel).values),
                                   norm=rnorm, cmap="RdBu_r", shading="flat")
                ax.set_title("trained / predicted - 1", fontsize=9)
            else:
                im = ax.pcolormesh(edges_x, edges_y, np.ma.masked_invalid(pick(sd).values),
                                   norm=snorm, cmap="magma", shading="flat")
                ax.set_title("sd over seeds", fontsize=9)
            _grid_ticks(ax, xs, ys, x, y)
        cb_label = {"value": f"{what} {metric}", "relerr": "relative error",
                    "spread": f"sd of {metric} over seeds"}[row]
        cb = fig.colorbar(im, ax=axs[r].tolist(), label=cb_label)
        if row == "value" and lognorm:
            cb.ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    title = f"Phase diagram of {label(metric)} ({what})"
    if th is not None and source == "results":
        title += "; contours: prediction"
    if outl is not None and float(np.nansum(outl.values)) > 0:
        title += f"; x: a seed beyond {OUTLIER_SD:g} sd of the others"
    if notes:
        title += f" ({', '.join(notes)})"
    fig.suptitle(textwrap.fill(title, 55 * len(panels)), fontsize=9)
    save_figure(fig, outfile, opts)
    extra = []
    if "relerr" in rows:
        extra.append("relative error to the prediction")
    if "spread" in rows:
        extra.append("spread over seeds")
    return (f"Phase diagram: {what} {metric} over ({x}, {y})"
            f"{', prediction as contours' if th is not None and source == 'results' else ''}"
            f"{'; below: ' + ' and '.join(extra) if extra else ''}"
            f"{'; ' + ', '.join(notes) if notes else ''}.")


def phase_figures(store, outdir, figs, opts):
    num = [a for a in store.numeric_axes() if a != "seed"]
    pairs = [tuple(opts.axes)] if opts.axes else [(num[i], num[j]) for i in range(len(num))
                                                  for j in range(i + 1, len(num))]
    cat = [a for a in store.categorical_axes() if a not in opts.where]
    panel_axis = cat[0] if cat else None
    metrics = opts.metrics or PHASE_METRICS
    source = "results" if store.results is not None else "theory"
    for x, y in pairs:
        for metric in metrics:
            if source == "theory" and numerically_zero(store.theory[metric].values):
                continue  # the distances of the prediction to itself: nothing to show
            name = f"phase_{metric}_{x}_{y}.{opts.fmt}"
            cap = draw_phase(store, x, y, metric, os.path.join(outdir, name), where=opts.where,
                             panel_axis=panel_axis, source=source, opts=opts)
            if cap:
                figs.append((name, cap))


def curve_figures(store, outdir, figs, opts):
    num = [a for a in store.numeric_axes() if a != "seed"]
    if opts.axes:
        num = [a for a in num if a in opts.axes]
    cat = [a for a in store.categorical_axes() if a not in opts.where]
    line_axis = cat[0] if cat else None
    metrics = [m for m in (opts.metrics or CURVE_METRICS) if m in store.theory]
    for x in num:
        keep = {x} | ({line_axis} if line_axis else set())
        sel, notes = held(store, keep, where=opts.where)
        lines = list(store.state[line_axis].values) if line_axis else [None]
        shown = []
        for metric in metrics:
            th = store.theory[metric].sel(sel)
            has_th = np.isfinite(th.values).any()
            has_res = (store.results is not None and metric in store.results
                       and np.isfinite(store.results[metric].sel(sel).values).any())
            if has_th or has_res:
                shown.append((metric, has_res))
        if not shown:
            continue
        fig, axs = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 3.8), squeeze=False,
                                constrained_layout=True)
        any_outlier = False
        for ax, (metric, has_res) in zip(axs[0], shown):
            ys_all = []
            for c, lv in enumerate(lines):
                color = f"C{c}"
                s2 = dict(sel)
                if line_axis:
                    s2[line_axis] = lv
                th = store.theory[metric].sel(s2)
                if "seed" in th.dims:
                    th = th.isel(seed=0)
                xs = th[x].values.astype(float)
                ok = np.isfinite(th.values)
                if ok.any():
                    ax.plot(xs[ok], th.values[ok], "-", color=color, lw=1.2,
                            label=f"{fmt_value(lv)} theory" if line_axis else "theory")
                    ys_all.append(th.values[ok])
                if not has_res:
                    continue
                m, sd, outl = seed_stats(store.results[metric].sel(s2))
                if not np.isfinite(m.values).any():
                    continue
                ys_all.append(m.values[np.isfinite(m.values)])
                lab = f"{fmt_value(lv)} trained" if line_axis else "trained"
                if sd is not None:
                    ax.errorbar(xs, m.values, yerr=sd.values, fmt="o", ms=3.5, color=color,
                                capsize=2, label=lab + " (mean ± sd over seeds)")
                    o = outl.values > 0
                    if o.any():
                        any_outlier = True
                        ax.plot(xs[o], m.values[o], "x", color="red", ms=8, mew=1.5)
                else:
                    ax.plot(xs, m.values, "o", ms=3.5, color=color, label=lab)
            log_scale_if_wide(ax, store.state[x].values, "x")
            ys = np.concatenate(ys_all) if ys_all else np.array([])
            if metric.endswith("norm_ratio") and ys.size and np.all(ys > 0) and ys.max() / ys.min() > 20:
                ax.set_yscale("log")  # ratios are positive and span decades across a scan
                readable_log_ticks(ax, "y")
            ax.set_xlabel(x)
            ax.set_ylabel(metric)
            ax.set_title(label(metric), fontsize=9)
            ax.grid(alpha=0.3)
        if axs[0][0].get_legend_handles_labels()[0]:
            axs[0][0].legend(fontsize=7)
        what = "Theory (lines) against training (markers)" if store.results is not None \
            else "Theory"
        title = f"{what} over {x}"
        if any_outlier:
            title += f"; x: a seed beyond {OUTLIER_SD:g} sd of the others"
        if notes:
            title += f" ({', '.join(notes)})"
        fig.suptitle(title, fontsize=10)
        name = f"curves_{x}.{opts.fmt}"
        save_figure(fig, os.path.join(outdir, name), opts)
        if store.results is None:
            cap = f"The prediction (theory only: this store has no trained results) against {x}"
        else:
            cap = f"Key metrics against {x}: prediction as lines, trained values as markers"
        figs.append((name, f"{cap}{'; ' + ', '.join(notes) if notes else ''}."))


def convergence_figures(store, outdir, figs, opts):
    if store.traces is None or "dist_gw" not in store.traces:
        return
    tdim = [d for d in store.traces["dist_gw"].dims if d.startswith("trace_")][0]
    num = [a for a in store.numeric_axes() if a != "seed"]
    cat = [a for a in store.categorical_axes() if a not in opts.where]
    line_axis = num[0] if num else (cat[0] if cat else None)
    panel_axis = cat[0] if cat and cat[0] != line_axis else None
    keep = {a for a in (line_axis, panel_axis) if a}
    sel, notes = held(store, keep, where=opts.where)
    da = store.traces["dist_gw"].sel(sel)
    it = store.traces["iter"].sel(sel)
    if not np.isfinite(da.values).any():
        return
    panels = list(store.state[panel_axis].values) if panel_axis else [None]
    panels = [pv for pv in panels
              if np.isfinite((da.sel({panel_axis: pv}) if panel_axis else da).values).any()]
    fig, axs = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.9), squeeze=False,
                            constrained_layout=True)
    cmap = plt.get_cmap("plasma")
    lines = list(store.state[line_axis].values) if line_axis else [None]
    seeds = "seed" in da.dims and da.sizes["seed"] > 1
    for k, pv in enumerate(panels):
        ax = axs[0][k]
        for c, lv in enumerate(lines):
            s2 = {}
            if panel_axis:
                s2[panel_axis] = pv
            if line_axis:
                s2[line_axis] = lv
            color = cmap(c / max(1, len(lines) - 1) * 0.9)
            y = da.sel(s2)
            x = it.sel(s2)
            if seeds:
                x1 = x.isel(seed=0).values + 1
                ys = y.transpose("seed", tdim).values
                for row in ys:  # every seed, thin
                    ok = np.isfinite(row) & (row > 0)
                    if ok.any():
                        ax.plot(x1[ok], row[ok], "-", color=color, lw=0.5, alpha=0.35)
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    med = np.nanmedian(ys, axis=0)
            else:
                x1, med = x.values + 1, y.values
            ok = np.isfinite(med) & np.isfinite(x1) & (med > 0)
            if ok.any():
                ax.plot(x1[ok], med[ok], "-", color=color, lw=1.6,
                        label=f"{line_axis}={fmt_value(lv)}" if line_axis else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        readable_log_ticks(ax, "x")
        ax.set_xlabel("iteration + 1")
        ax.set_ylabel("dist_gw")
        ax.set_title(f"{panel_axis} = {fmt_value(pv)}" if panel_axis else "convergence", fontsize=10)
        ax.grid(alpha=0.3, which="both")
    if line_axis and axs[0][0].get_legend_handles_labels()[0]:
        axs[0][0].legend(fontsize=7)
    title = "Distance of the classifier Gram matrix to the prediction along training"
    if seeds:
        title += " (bold: median over seeds; thin: each seed)"
    if notes:
        title += f" ({', '.join(notes)})"
    fig.suptitle(textwrap.fill(title, 60 * len(panels)), fontsize=10)
    name = f"convergence_dist_gw.{opts.fmt}"
    save_figure(fig, os.path.join(outdir, name), opts)
    figs.append((name, f"Convergence: dist_gw against iteration, one line per {line_axis}"
                       f"{', median and every seed' if seeds else ''}"
                       f"{'; ' + ', '.join(notes) if notes else ''}."))


def progress_html(store, watch_s=None):
    """The line at the top of the page: how far, how fast, how long still."""
    p = store.progress()
    done = p["done"] + p["failed"] + p["not_converged"]
    pct = 100.0 * done / p["total"] if p["total"] else 100.0
    parts = [f"<b>{done}/{p['total']} points finished ({pct:.1f}%)</b>: {p['done']} done, "
             f"{p['failed']} failed, {p['not_converged']} not converged, {p['pending']} pending."]
    if p["writing"]:
        eta = p["eta_s"]
        eta_text = "unknown" if eta is None else time.strftime("%H:%M:%S", time.gmtime(eta)) \
            if eta < 86400 else f"{eta / 86400:.1f} days"
        parts.append(f"A run is writing: {p['rate']:.3g} points/s over the last "
                     f"{p['window_s']:.0f} s, ETA {eta_text}.")
    elif p["pending"]:
        parts.append("No run is writing it now.")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    parts.append(f"Read {stamp}" + (f"; this page reloads every {watch_s:g} s." if watch_s else "."))
    return f'<p id="progress" data-done="{done}" data-total="{p["total"]}">{" ".join(parts)}</p>'


def union_note(c):
    """What a union store adds to the counts: grid points in no block, copies of equal points."""
    note = ""
    if c.get("not_in_study"):
        note += f"; {c['not_in_study']} grid points are in no block of the spec (not in the study, blank)"
    if c.get("points_reused"):
        note += (f"; {c['points_computed']} computed, {c['points_reused']} copied from a point "
                 "with the same problem")
    return note


def write_index(store, outdir, figs, watch_s=None):
    c = store.counts()
    runs = "".join(
        f"<tr><td>{r['run']}</td><td>{html.escape(r['start_utc'])}</td><td>{html.escape(r['end_utc'])}</td>"
        f"<td>{r['ranks']}</td><td>{r['points_done']}</td><td>{html.escape(r['exit_reason'])}</td>"
        f"<td>{html.escape(r['hostname'])}</td><td>{html.escape(r['slurm_job_id'])}</td></tr>"
        for r in store.runs)

    def media(n):
        if n.endswith(".pdf"):
            return f'<a href="{html.escape(n)}">{html.escape(n)}</a>'
        return f'<img src="{html.escape(n)}" alt="{html.escape(n)}">'
    body = "".join(f"<figure>{media(n)}<figcaption>{html.escape(cap)}</figcaption></figure>"
                   for n, cap in figs)
    theory_only = ("<p><b>Theory only</b>: this store was made with <code>solver: none</code>; "
                   "every figure shows the prediction, not trained models.</p>"
                   if store.results is None else "")
    refresh = f'<meta http-equiv="refresh" content="{watch_s:g}">' if watch_s else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{refresh}<title>ufmsweep report: {html.escape(store.attrs.get('name', ''))}</title>
<style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto}}img{{max-width:100%}}
figure{{margin:1.5em 0}}pre{{background:#f4f4f4;padding:1em;overflow:auto}}td,th{{padding:0 .6em}}</style></head>
<body><h1>{html.escape(store.attrs.get('name', 'ufmsweep store'))}</h1>
{progress_html(store, watch_s)}
{theory_only}
<p>Store <code>{html.escape(os.path.abspath(store.path))}</code>: {c['total']} points in the study, {c['done']} done,
{c['failed']} failed, {c['not_converged']} not converged, {c['pending']} pending{union_note(c)}.
Written by ufmsweep {html.escape(str(store.attrs.get('program_version', '?')))}, schema {store.attrs.get('schema_version')},
spec sha256 <code>{html.escape(str(store.attrs.get('spec_sha256', '')))}</code>.</p>
<h2>Figures</h2>{body if body else '<p>No figure fits this store yet (no numeric axis with two values, or no finished point).</p>'}
<h2>Runs</h2><table><tr><th>run</th><th>start</th><th>end</th><th>ranks</th><th>points</th><th>exit</th><th>host</th><th>SLURM job</th></tr>{runs}</table>
<h2>Spec</h2><pre>{html.escape(store.spec_text)}</pre>
</body></html>
"""
    replace_atomically(os.path.join(outdir, "index.html"), lambda f: f.write(page.encode()))


def scatter_figures(store, outdir, figs, opts):
    """A points-layout store whose points form no small product (a sampled design): each
    metric over each pair of numeric axes as one marker per point, coloured by its value
    (trained where there are results, else predicted), one panel per value of the first
    categorical axis."""
    import matplotlib.pyplot as plt
    num = [a for a in store.numeric_axes() if a != "seed"]
    pairs = [tuple(opts.axes)] if opts.axes else [(num[i], num[j]) for i in range(len(num))
                                                  for j in range(i + 1, len(num))][:3]
    cat = [a for a in store.categorical_axes() if a not in opts.where]
    panel_axis = cat[0] if cat else None
    source = "results" if store.results is not None else "theory"
    data = store.results if source == "results" else store.theory
    what = "trained" if source == "results" else "predicted"
    for x, y in pairs:
        for metric in opts.metrics or PHASE_METRICS:
            if metric not in data or (source == "theory" and numerically_zero(data[metric].values)):
                continue
            v = data[metric].values
            xs, ys = store.state[x].values, store.state[y].values
            panels = list(dict.fromkeys(store.state[panel_axis].values)) if panel_axis else [None]
            panels = [pv for pv in panels
                      if np.isfinite(v[(store.state[panel_axis].values == pv) if panel_axis
                                       else slice(None)]).any()]
            if not panels:
                continue
            fig, axs = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1, 3.8),
                                    squeeze=False, sharey=True)
            norm, lognorm = _color_norm(v[np.isfinite(v)])
            for ax, pv in zip(axs[0], panels):
                m = np.isfinite(v) & ((store.state[panel_axis].values == pv) if panel_axis else True)
                sc = ax.scatter(xs[m], ys[m], c=v[m], s=14, norm=norm, cmap="viridis")
                log_scale_if_wide(ax, xs, "x")
                log_scale_if_wide(ax, ys, "y")
                ax.set_xlabel(label(x))
                if ax is axs[0][0]:  # the panels share the y axis: one label
                    ax.set_ylabel(label(y))
                if panel_axis:
                    ax.set_title(f"{panel_axis} = {fmt_value(pv)}", fontsize=10)
            fig.colorbar(sc, ax=axs[0].tolist(), label=f"{what} {metric}")
            fig.suptitle(f"{label(metric)} ({what}) at the design's {int(np.isfinite(v).sum())} "
                         f"points", fontsize=9)
            name = f"points_{metric}_{x}_{y}.{opts.fmt}"
            save_figure(fig, os.path.join(outdir, name), opts)
            figs.append((name, f"Sampled design: {what} {metric} at each point over ({x}, {y})."))


def render(store, outdir, watch_s=None, figures=True, figs=None, opts=None):
    """Write the figures (unless figures is False: keep those of figs) and index.html. While
    watching, the page's progress line is brought up to date first, before the figures (which
    take seconds to draw)."""
    opts = opts or Options()
    if watch_s and figs is not None:
        write_index(store, outdir, figs, watch_s)
    if figures:
        figs = []
        grid = store
        if store.layout == "points":
            try:  # points that form a product: the grid's figures over the dense view
                grid = store.as_grid()
            except StoreError:
                grid = None
        if grid is None:
            scatter_figures(store, outdir, figs, opts)
        else:
            phase_figures(grid, outdir, figs, opts)
            curve_figures(grid, outdir, figs, opts)
            convergence_figures(grid, outdir, figs, opts)
    write_index(store, outdir, figs, watch_s)
    return figs


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="report.py", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", help="an ufmsweep store (.h5), finished or being written")
    ap.add_argument("outdir", help="directory for the figures and index.html (made if missing)")
    ap.add_argument("--metrics", metavar="M1,M2",
                    help=f"metrics to draw (default: {','.join(PHASE_METRICS)} in phase diagrams, "
                         f"{','.join(CURVE_METRICS)} in curves)")
    ap.add_argument("--axes", metavar="X,Y", help="the phase diagram's two numeric axes "
                    "(default: every pair); curves only along these")
    ap.add_argument("--where", action="append", default=[], metavar="AXIS=VALUE",
                    help="hold AXIS at VALUE in every figure (repeatable; default: two thirds "
                         "along each axis not drawn, and the mean over seeds)")
    ap.add_argument("--format", default="png", choices=["png", "svg", "pdf"],
                    help="figure format (default png)")
    ap.add_argument("--dpi", type=int, default=120, help="resolution of PNG figures (default 120)")
    ap.add_argument("--watch", type=float, metavar="SECONDS", default=None,
                    help="rewrite the report every SECONDS while a run writes the store")
    a = ap.parse_args(argv[1:])
    if a.watch is not None and not (0.5 <= a.watch <= 86400):
        ap.error(f"--watch {a.watch:g}: give seconds between 0.5 and 86400")
    if not 10 <= a.dpi <= 1200:
        ap.error(f"--dpi {a.dpi}: give 10 to 1200")
    return a


def build_options(a, store):
    """Options from the parsed command line, checked against the store: (Options, None) or
    (None, message)."""
    metrics = None
    if a.metrics:
        metrics = [m.strip() for m in a.metrics.split(",") if m.strip()]
        unknown = [m for m in metrics if m not in store.theory]
        if unknown or not metrics:
            return None, (f"--metrics: no metric '{unknown[0] if unknown else a.metrics}' (metrics: "
                          f"{', '.join(v for v in store.theory.data_vars if v != 'theory_source')})")
    axes = None
    if a.axes:
        axes = [x.strip() for x in a.axes.split(",")]
        num = store.numeric_axes()
        if len(axes) != 2 or axes[0] == axes[1] or any(x not in num for x in axes):
            return None, (f"--axes {a.axes}: give two different numeric axes with two or more "
                          f"values (numeric axes: {', '.join(num) or 'none'})")
    where, err = parse_where(store, a.where)
    if err:
        return None, err
    return Options(metrics, axes, where, a.format, a.dpi), None


def main(argv):
    import warnings
    # matplotlib's log scale overflows on axes such as lr = 1e300 (a diverging test point)
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="matplotlib")
    a = parse_args(argv)
    path, outdir = a.store, a.outdir
    try:
        store = open_store(path)
    except StoreError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1
    opts, err = build_options(a, store)
    if err:
        print(f"report.py: {err}", file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    if a.watch is None:
        figs = render(store, outdir, opts=opts)
        print(f"report.py: {len(figs)} figures; open {os.path.join(os.path.abspath(outdir), 'index.html')}")
        return 0
    print(f"report.py: watching {path} every {a.watch:g} s; open "
          f"{os.path.join(os.path.abspath(outdir), 'index.html')} (Ctrl-C stops)", flush=True)
    seen, figs = None, []
    try:
        while True:
            p = store.progress()
            finished = p["pending"] == 0 and not p["writing"]
            key = (p["done"], p["failed"], p["not_converged"])
            # the figures only when points arrived; the progress line every time
            figs = render(store, outdir, None if finished else a.watch, key != seen, figs, opts)
            if key != seen:
                print(f"report.py: {p['done'] + p['failed'] + p['not_converged']}/{p['total']} "
                      f"points, {len(figs)} figures", flush=True)
            seen = key
            if finished:
                print("report.py: the store is complete; final report written", flush=True)
                return 0
            time.sleep(a.watch)
            while True:
                try:
                    store = open_store(path)
                    break
                except StoreError as e:  # a run that is starting holds it alone for a moment
                    print(f"report.py: {e} (retrying)", file=sys.stderr, flush=True)
                    time.sleep(a.watch)
    except KeyboardInterrupt:
        return 0


def cli():
    """The ufmsweep-report command."""
    sys.exit(main(sys.argv))


if __name__ == "__main__":
    cli()
