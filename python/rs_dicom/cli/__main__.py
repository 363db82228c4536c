"""``python -m rs_dicom.cli``: the same as the ``rs-dicom`` console script."""

from rs_dicom.cli import main

raise SystemExit(main())
