#!/usr/bin/python3
"""report.py STORE OUTDIR: every figure that fits the store's axes, plus OUTDIR/index.html.

Figures (PNG, 120 dpi), chosen from the axes:
  - phase diagrams: for each pair of numeric axes, a heatmap of the trained value of a metric,
    with the predicted value as contours, one panel per value of a categorical axis (loss);
  - theory against numerics: each key metric against each numeric axis, one colour per value of
    the categorical axis, the prediction as a line and the trained values as markers (mean and
    spread over seeds when `seed` is an axis);
  - convergence: the distance to the predicted geometry against iteration, one line per value
    of the first numeric axis.
Axes not shown in a figure are held at one value, named in the title. Points not done are
left blank, never drawn as zero. Needs Debian's /usr/bin/python3 (h5py, numpy, matplotlib,
xarray); MPLBACKEND=Agg is set here.
"""
import html
import os
import sys
import textwrap

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402

from ufmstore import StoreError, open_store  # noqa: E402

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


def label(name):
    return LABELS.get(name, name)


def held(store, keep, reduce=("seed",), where=None):
    """A selector holding every axis not in keep (nor in reduce) at one value: the one given in
    where, else the value two thirds along the axis (for symmetric scans such as gamma in
    [-1.5, 1.5] this avoids 0, where many losses coincide)."""
    sel, notes = {}, []
    for a, v in store.axes:
        if a in keep or a in reduce or len(v) < 2:
            continue
        val = where[a] if where and a in where else v[(2 * len(v)) // 3]
        sel[a] = val
        notes.append(f"{a}={val}")
    return sel, notes


def mean_over_seeds(da):
    if "seed" in da.dims:
        return da.mean("seed", skipna=True), da.std("seed", skipna=True)
    return da, None


def log_scale_if_wide(ax, axis, values, which="x"):
    v = np.asarray(values, dtype=float)
    if np.all(v > 0) and v.max() / v.min() >= 20:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")


def draw_phase(store, x, y, metric, outfile, where=None, panel_axis=None, source="results"):
    """One phase diagram: the trained (or predicted, source="theory") metric over (x, y) as a
    heatmap with the prediction as contours, one panel per value of panel_axis. Axes not named
    are held at one value (where, else two thirds along). Returns the caption, or None when
    nothing is finite."""
    data = store.results if source == "results" else store.theory
    if data is None or metric not in data:
        return None
    keep = {x, y} | ({panel_axis} if panel_axis else set())
    sel, notes = held(store, keep, where=where)
    res, _ = mean_over_seeds(data[metric].sel(sel))
    th = store.theory[metric].sel(sel) if metric in store.theory else None
    if th is not None and "seed" in th.dims:
        th = th.isel(seed=0)
    panels = list(store.state[panel_axis].values) if panel_axis else [None]
    finite = res.values[np.isfinite(res.values)]
    if finite.size == 0:
        return None
    fig, axs = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.0), squeeze=False,
                            constrained_layout=True)
    vmin, vmax = np.percentile(finite, [2, 98])
    if vmax <= vmin:
        vmin, vmax = finite.min() - 0.5, finite.max() + 0.5
    # ratios span decades: a logarithmic colour scale shows their structure
    lognorm = vmin > 0 and vmax / vmin >= 20
    norm = LogNorm(vmin=vmin, vmax=vmax) if lognorm else Normalize(vmin=vmin, vmax=vmax)
    for k, pv in enumerate(panels):
        ax = axs[0][k]
        r = (res.sel({panel_axis: pv}) if panel_axis else res).transpose(y, x)
        xs, ys = r[x].values, r[y].values
        im = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5,
                           np.ma.masked_invalid(r.values), norm=norm, cmap="viridis",
                           shading="flat")
        if th is not None:
            t = (th.sel({panel_axis: pv}) if panel_axis else th).transpose(y, x).values
            if np.isfinite(t).sum() >= 4 and np.nanmax(t) > np.nanmin(t):
                tmin, tmax = np.nanmin(t), np.nanmax(t)
                levels = (np.geomspace(tmin, tmax, 8)[1:-1] if lognorm and tmin > 0
                          else np.linspace(tmin, tmax, 8)[1:-1])
                cs = ax.contour(np.arange(len(xs)), np.arange(len(ys)), np.ma.masked_invalid(t),
                                levels=levels, colors="white", linewidths=0.8)
                ax.clabel(cs, fontsize=7, fmt="%.3g")
        fmt = (lambda v: f"{v:.3g}") if np.asarray(xs).dtype.kind in "fiu" else str
        ax.set_xticks(range(len(xs)))
        ax.set_xticklabels([fmt(v) for v in xs], rotation=60, fontsize=7)
        fmty = (lambda v: f"{v:.3g}") if np.asarray(ys).dtype.kind in "fiu" else str
        ax.set_yticks(range(len(ys)))
        ax.set_yticklabels([fmty(v) for v in ys], fontsize=7)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{panel_axis} = {pv}" if panel_axis else metric, fontsize=10)
    what = "trained" if source == "results" else "predicted"
    fig.colorbar(im, ax=axs[0].tolist(), label=f"{what} {metric}")
    title = f"Phase diagram of {label(metric)} ({what}); contours: prediction"
    if notes:
        title += f" ({', '.join(notes)})"
    fig.suptitle(textwrap.fill(title, 55 * len(panels)), fontsize=9)
    fig.savefig(outfile, dpi=120)
    plt.close(fig)
    return (f"Phase diagram: {what} {metric} over ({x}, {y}), prediction as contours"
            f"{'; ' + ', '.join(notes) if notes else ''}.")


def phase_figures(store, outdir, figs):
    num = [a for a in store.numeric_axes() if a != "seed"]
    cat = store.categorical_axes()
    panel_axis = cat[0] if cat else None
    for i in range(len(num)):
        for j in range(i + 1, len(num)):
            for metric in PHASE_METRICS:
                name = f"phase_{metric}_{num[i]}_{num[j]}.png"
                cap = draw_phase(store, num[i], num[j], metric, os.path.join(outdir, name),
                                 panel_axis=panel_axis,
                                 source="results" if store.results is not None else "theory")
                if cap:
                    figs.append((name, cap))


def curve_figures(store, outdir, figs):
    num = store.numeric_axes()
    cat = store.categorical_axes()
    line_axis = cat[0] if cat else None
    for x in num:
        if x == "seed":
            continue
        keep = {x} | ({line_axis} if line_axis else set())
        sel, notes = held(store, keep)
        fig, axs = plt.subplots(1, len(CURVE_METRICS), figsize=(4.2 * len(CURVE_METRICS), 3.8),
                                constrained_layout=True)
        drew = False
        for ax, metric in zip(axs, CURVE_METRICS):
            lines = list(store.state[line_axis].values) if line_axis else [None]
            for c, lv in enumerate(lines):
                color = f"C{c}"
                s2 = dict(sel)
                if line_axis:
                    s2[line_axis] = lv
                th = store.theory[metric].sel(s2)
                if "seed" in th.dims:
                    th = th.isel(seed=0)
                xs = th[x].values.astype(float)
                ax.plot(xs, th.values, "-", color=color, lw=1.2,
                        label=f"{lv} theory" if line_axis else "theory")
                if store.results is not None and metric in store.results:
                    m, sd = mean_over_seeds(store.results[metric].sel(s2))
                    if np.isfinite(m.values).any():
                        drew = True
                    if sd is not None:
                        ax.errorbar(xs, m.values, yerr=sd.values, fmt="o", ms=3.5, color=color,
                                    capsize=2, label=f"{lv} trained (mean ± sd over seeds)")
                    else:
                        ax.plot(xs, m.values, "o", ms=3.5, color=color,
                                label=f"{lv} trained" if line_axis else "trained")
            log_scale_if_wide(ax, x, store.state[x].values)
            if metric.endswith("norm_ratio"):
                ax.set_yscale("log")  # ratios are positive and span decades across a scan
            ax.set_xlabel(x)
            ax.set_ylabel(metric)
            ax.set_title(label(metric), fontsize=9)
            ax.grid(alpha=0.3)
        axs[0].legend(fontsize=7)
        title = f"Theory (lines) against training (markers) over {x}"
        if notes:
            title += f" ({', '.join(notes)})"
        fig.suptitle(title, fontsize=10)
        name = f"curves_{x}.png"
        fig.savefig(os.path.join(outdir, name), dpi=120)
        plt.close(fig)
        if drew or store.results is None:
            figs.append((name, f"Key metrics against {x}: prediction as lines, trained values as "
                               f"markers{'; ' + ', '.join(notes) if notes else ''}."))


def convergence_figures(store, outdir, figs):
    if store.traces is None or "dist_gw" not in store.traces:
        return
    tdim = [d for d in store.traces["dist_gw"].dims if d.startswith("trace_")][0]
    num = [a for a in store.numeric_axes() if a != "seed"]
    cat = store.categorical_axes()
    line_axis = num[0] if num else (cat[0] if cat else None)
    panel_axis = cat[0] if cat and cat[0] != line_axis else None
    keep = {a for a in (line_axis, panel_axis) if a}
    sel, notes = held(store, keep)
    da, _ = mean_over_seeds(store.traces["dist_gw"].sel(sel))
    it, _ = mean_over_seeds(store.traces["iter"].sel(sel))
    panels = list(store.state[panel_axis].values) if panel_axis else [None]
    fig, axs = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.9), squeeze=False,
                            constrained_layout=True)
    cmap = plt.get_cmap("plasma")
    lines = list(store.state[line_axis].values) if line_axis else [None]
    for k, pv in enumerate(panels):
        ax = axs[0][k]
        for c, lv in enumerate(lines):
            s2 = {}
            if panel_axis:
                s2[panel_axis] = pv
            if line_axis:
                s2[line_axis] = lv
            y = da.sel(s2).values
            x = it.sel(s2).values + 1
            ok = np.isfinite(y) & np.isfinite(x) & (y > 0)
            if ok.any():
                ax.plot(x[ok], y[ok], "-", color=cmap(c / max(1, len(lines) - 1) * 0.9),
                        label=f"{line_axis}={lv}" if line_axis else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("iteration + 1")
        ax.set_ylabel("dist_gw")
        ax.set_title(f"{panel_axis} = {pv}" if panel_axis else "convergence", fontsize=10)
        ax.grid(alpha=0.3, which="both")
    if line_axis:
        axs[0][0].legend(fontsize=7)
    title = "Distance of the classifier Gram matrix to the prediction along training"
    if notes:
        title += f" ({', '.join(notes)})"
    fig.suptitle(title, fontsize=10)
    name = "convergence_dist_gw.png"
    fig.savefig(os.path.join(outdir, name), dpi=120)
    plt.close(fig)
    figs.append((name, f"Convergence: dist_gw against iteration, one line per {line_axis}"
                       f"{'; ' + ', '.join(notes) if notes else ''}."))


def write_index(store, outdir, figs):
    c = store.counts()
    runs = "".join(
        f"<tr><td>{r['run']}</td><td>{html.escape(r['start_utc'])}</td><td>{html.escape(r['end_utc'])}</td>"
        f"<td>{r['ranks']}</td><td>{r['points_done']}</td><td>{html.escape(r['exit_reason'])}</td>"
        f"<td>{html.escape(r['hostname'])}</td><td>{html.escape(r['slurm_job_id'])}</td></tr>"
        for r in store.runs)
    body = "".join(f'<figure><img src="{html.escape(n)}" alt="{html.escape(n)}">'
                   f"<figcaption>{html.escape(cap)}</figcaption></figure>" for n, cap in figs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ufmsweep report: {html.escape(store.attrs.get('name', ''))}</title>
<style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto}}img{{max-width:100%}}
figure{{margin:1.5em 0}}pre{{background:#f4f4f4;padding:1em;overflow:auto}}td,th{{padding:0 .6em}}</style></head>
<body><h1>{html.escape(store.attrs.get('name', 'ufmsweep store'))}</h1>
<p>Store <code>{html.escape(os.path.abspath(store.path))}</code>: {c['total']} points, {c['done']} done,
{c['failed']} failed, {c['not_converged']} not converged, {c['pending']} pending.
Written by ufmsweep {html.escape(str(store.attrs.get('program_version', '?')))}, schema {store.attrs.get('schema_version')},
spec sha256 <code>{html.escape(str(store.attrs.get('spec_sha256', '')))}</code>.</p>
<h2>Figures</h2>{body if body else '<p>No figure fits this store (no numeric axis with two values).</p>'}
<h2>Runs</h2><table><tr><th>run</th><th>start</th><th>end</th><th>ranks</th><th>points</th><th>exit</th><th>host</th><th>SLURM job</th></tr>{runs}</table>
<h2>Spec</h2><pre>{html.escape(store.spec_text)}</pre>
</body></html>
"""
    with open(os.path.join(outdir, "index.html"), "w") as f:
        f.write(page)


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) == 2 else 1
    path, outdir = argv[1], argv[2]
    try:
        store = open_store(path)
    except StoreError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    figs = []
    phase_figures(store, outdir, figs)
    curve_figures(store, outdir, figs)
    convergence_figures(store, outdir, figs)
    write_index(store, outdir, figs)
    print(f"report.py: {len(figs)} figures; open {os.path.join(os.path.abspath(outdir), 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
