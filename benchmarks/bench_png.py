#!/usr/bin/env python3
"""Encode slider-panel frames with the course's PNG encoder and with Pillow, and compare.

    .venv/bin/python benchmarks/bench_png.py [--repeats 60]

For the frames of two panels (he_panel, signal_overview_panel as built with
their defaults), times :func:`course_utils.widgets.png_rgb` and Pillow's PNG
encoder (``compress_level=1``, RGB and RGBA) in interleaved repetitions, and
prints the median and best time, the size, and whether Pillow decodes every
encoding to the same pixels. This is the measured reason course_utils keeps
its own encoder for live frames (see course_utils/widgets/encoder.py).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time

import numpy as np
from PIL import Image

from course_utils.widgets import png_rgb
from course_utils.widgets.he import he_panel
from course_utils.widgets.overview import signal_overview_panel


def pillow_png(rgba: np.ndarray, *, rgb: bool) -> bytes:
    """Pillow's PNG of the frame at compress_level 1 (its fastest deflate)."""
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba.tobytes(), "raw",
                             "RGBA", 0, 1)
    if rgb:
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, "
          f"Pillow {Image.__version__}")
    for name, make in (("he_panel", he_panel), ("signal_overview_panel", signal_overview_panel)):
        rgba = np.array(make().canvas.frame())
        contenders = {"course_utils png_rgb": lambda: png_rgb(rgba),
                      "Pillow RGB level 1": lambda: pillow_png(rgba, rgb=True),
                      "Pillow RGBA level 1": lambda: pillow_png(rgba, rgb=False)}
        times = {label: [] for label in contenders}
        for _ in range(args.repeats):              # interleaved: load changes hit all alike
            for label, encode in contenders.items():
                start = time.perf_counter()
                encode()
                times[label].append(time.perf_counter() - start)
        print(f"{name}: frame {rgba.shape[1]} x {rgba.shape[0]}")
        for label, encode in contenders.items():
            png = encode()
            same = np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")),
                                  rgba[..., :3])
            print(f"  {label:22} median {1000 * statistics.median(times[label]):6.2f} ms  "
                  f"best {1000 * min(times[label]):6.2f} ms  {len(png) / 1024:6.1f} KiB  "
                  f"same pixels: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
