"""ufmsweep-phase STORE --x AXIS --y AXIS --metric NAME [--where AXIS=VALUE ...] [--panels AXIS]
            [--theory] -o FILE.png

One phase diagram of a store: the trained value of METRIC over the axes X and Y as a heatmap,
the predicted value as contours. Every other axis is held at the value given with --where
(default: two thirds along it); seeds are averaged. --panels AXIS draws one panel per value of
AXIS (e.g. loss); --theory maps the prediction itself. Points not done stay blank.
Example:
  analysis/phase.py results/demo.h5 --x R --y gamma --metric w_norm_ratio --panels loss -o p.png
"""
import argparse
import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

from .report import draw_phase, parse_where  # noqa: E402
from .store import StoreError, open_store  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                usage=__doc__.split("\n\n")[0])
    p.add_argument("store")
    p.add_argument("--x", required=True)
    p.add_argument("--y", required=True)
    p.add_argument("--metric", required=True)
    p.add_argument("--where", action="append", default=[], metavar="AXIS=VALUE")
    p.add_argument("--panels", default=None)
    p.add_argument("--theory", action="store_true")
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args(argv[1:])
    try:
        store = open_store(a.store)
    except StoreError as e:
        print(f"phase.py: {e}", file=sys.stderr)
        return 1
    axes = dict(store.axes)
    for name in [a.x, a.y] + ([a.panels] if a.panels else []):
        if name not in axes:
            print(f"phase.py: {a.store} has no axis '{name}' (axes: {', '.join(axes)})", file=sys.stderr)
            return 1
    where, msg = parse_where(store, a.where)  # the one --where parser, report.py's
    if msg is not None:
        print(f"phase.py: {msg}", file=sys.stderr)
        return 1
    source = "theory" if a.theory else "results"
    if source == "results" and store.results is None:
        print(f"phase.py: {a.store} holds no trained results (solver none): use --theory",
              file=sys.stderr)
        return 1
    if a.metric not in (store.results if source == "results" else store.theory):
        print(f"phase.py: no metric '{a.metric}' in /{source}", file=sys.stderr)
        return 1
    cap = draw_phase(store, a.x, a.y, a.metric, a.output, where=where, panel_axis=a.panels,
                     source=source)
    if cap is None:
        print(f"phase.py: no finished point to draw for {a.metric}", file=sys.stderr)
        return 1
    print(f"phase.py: wrote {a.output}: {cap}")
    return 0


def cli():
    """The ufmsweep-phase command."""
    sys.exit(main(sys.argv))


if __name__ == "__main__":
    cli()
