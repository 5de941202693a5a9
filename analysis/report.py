#!/usr/bin/python3
"""report.py STORE OUTDIR [--watch SECONDS]: every figure that fits the store's axes, plus
OUTDIR/index.html.

Works on a store that a run is writing: it reads what the run has committed so far (pending
points are blank in the figures) and shows the progress at the top of the page. With --watch it
rewrites the report every SECONDS as points arrive, until the store is complete and no run writes
it (or Ctrl-C); index.html then reloads itself in the browser every SECONDS. Every file is
written under a temporary name and renamed into place, so a browser never reads half a file.

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
import argparse
import html
import os
import sys
import tempfile
import textwrap
import time

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


def save_figure(fig, path):
    ext = os.path.splitext(path)[1].lstrip(".") or "png"
    replace_atomically(path, lambda f: fig.savefig(f, dpi=120, format=ext))


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
            levels = prediction_levels(t, lognorm)
            if levels is not None:
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
    save_figure(fig, outfile)
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
        save_figure(fig, os.path.join(outdir, name))
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
    save_figure(fig, os.path.join(outdir, name))
    plt.close(fig)
    figs.append((name, f"Convergence: dist_gw against iteration, one line per {line_axis}"
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


def write_index(store, outdir, figs, watch_s=None):
    c = store.counts()
    runs = "".join(
        f"<tr><td>{r['run']}</td><td>{html.escape(r['start_utc'])}</td><td>{html.escape(r['end_utc'])}</td>"
        f"<td>{r['ranks']}</td><td>{r['points_done']}</td><td>{html.escape(r['exit_reason'])}</td>"
        f"<td>{html.escape(r['hostname'])}</td><td>{html.escape(r['slurm_job_id'])}</td></tr>"
        for r in store.runs)
    body = "".join(f'<figure><img src="{html.escape(n)}" alt="{html.escape(n)}">'
                   f"<figcaption>{html.escape(cap)}</figcaption></figure>" for n, cap in figs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{f'<meta http-equiv="refresh" content="{watch_s:g}">' if watch_s else ''}<title>ufmsweep report: {html.escape(store.attrs.get('name', ''))}</title>
<style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto}}img{{max-width:100%}}
figure{{margin:1.5em 0}}pre{{background:#f4f4f4;padding:1em;overflow:auto}}td,th{{padding:0 .6em}}</style></head>
<body><h1>{html.escape(store.attrs.get('name', 'ufmsweep store'))}</h1>
{progress_html(store, watch_s)}
<p>Store <code>{html.escape(os.path.abspath(store.path))}</code>: {c['total']} points, {c['done']} done,
{c['failed']} failed, {c['not_converged']} not converged, {c['pending']} pending.
Written by ufmsweep {html.escape(str(store.attrs.get('program_version', '?')))}, schema {store.attrs.get('schema_version')},
spec sha256 <code>{html.escape(str(store.attrs.get('spec_sha256', '')))}</code>.</p>
<h2>Figures</h2>{body if body else '<p>No figure fits this store (no numeric axis with two values).</p>'}
<h2>Runs</h2><table><tr><th>run</th><th>start</th><th>end</th><th>ranks</th><th>points</th><th>exit</th><th>host</th><th>SLURM job</th></tr>{runs}</table>
<h2>Spec</h2><pre>{html.escape(store.spec_text)}</pre>
</body></html>
"""
    replace_atomically(os.path.join(outdir, "index.html"), lambda f: f.write(page.encode()))


def render(store, outdir, watch_s=None, figures=True, figs=None):
    """Write the figures (unless figures is False: keep those of figs) and index.html. While
    watching, the page's progress line is brought up to date first, before the figures (which
    take seconds to draw)."""
    if watch_s and figs is not None:
        write_index(store, outdir, figs, watch_s)
    if figures:
        figs = []
        phase_figures(store, outdir, figs)
        curve_figures(store, outdir, figs)
        convergence_figures(store, outdir, figs)
    write_index(store, outdir, figs, watch_s)
    return figs


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="report.py", description=__doc__.split("\n\n", 1)[1] if "\n\n" in __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", help="an ufmsweep store (.h5), finished or being written")
    ap.add_argument("outdir", help="directory for the figures and index.html (made if missing)")
    ap.add_argument("--watch", type=float, metavar="SECONDS", default=None,
                    help="rewrite the report every SECONDS while a run writes the store")
    a = ap.parse_args(argv[1:])
    if a.watch is not None and not (0.5 <= a.watch <= 86400):
        ap.error(f"--watch {a.watch:g}: give seconds between 0.5 and 86400")
    return a


def main(argv):
    a = parse_args(argv)
    path, outdir = a.store, a.outdir
    try:
        store = open_store(path)
    except StoreError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    if a.watch is None:
        figs = render(store, outdir)
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
            figs = render(store, outdir, None if finished else a.watch, key != seen, figs)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
