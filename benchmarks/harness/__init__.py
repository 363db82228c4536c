"""The harness shared by the benchmark scripts (bench_read.py, bench_pixels.py,
bench_codecs.py).

- :mod:`harness.worker`: runs inside each fresh worker process (timers, RSS, the
  ``--worker`` protocol);
- :mod:`harness.runner`: methods, workers in subprocesses, warm-up, interleaved runs,
  medians;
- :mod:`harness.baseline`: the ``rs_dicom@REV`` library labels (``baseline.sh``);
- :mod:`harness.cli`: the options every script has; :mod:`harness.report`: the markdown.

The scripts are run by path (``python benchmarks/bench_read.py``), so their directory is
on ``sys.path`` and this package imports as ``harness``.
"""
