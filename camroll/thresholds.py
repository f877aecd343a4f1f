"""Every tunable number camroll uses, in one place, each with why it has the value it has.

Change a value here, never as a literal elsewhere: a reviewer should be able to read every
judgement call the software makes on one page. (Accuracy figures for these values are measured
in docs/models.md; they are not tuned to one test set.)
"""

# --- library scan ----------------------------------------------------------------------------

MAX_PIXELS = 178_956_970
"""Images larger than this are treated as decompression bombs and never decoded. It is twice
Pillow's warning limit (the same number Pillow refuses at): a 150 MP medium-format photo is
still read, a 50,000 x 50,000 PNG built to exhaust memory is not."""

MAX_FILE_BYTES_IN_MEMORY = 64 << 20
"""Files up to this size are read into memory in one call; larger ones (videos, huge TIFFs)
are memory-mapped read-only so a scan's memory stays bounded."""

SCAN_BATCH = 200
"""Catalog rows written per transaction. A crash or Ctrl-C loses at most one batch of work,
never consistency; the next scan resumes after the last committed batch."""

SCAN_COMMIT_SECONDS = 1.0
"""...or sooner, if this long has passed since the last commit (slow disks, big files)."""

SCAN_PARALLEL_MIN_FILES = 64
"""Below this many files to read, the scan runs in-process: starting worker processes costs
more than it saves."""

GPS_CLOCK_TOLERANCE_MIN = 5
"""A camera's local time and its GPS (UTC) time are taken to differ by a whole time zone
(rounded to 15 minutes) only if the remainder is at most this many minutes; GPS fixes are often
a minute or two older than the shutter press."""

# --- places ----------------------------------------------------------------------------------

PLACE_CANDIDATES = 16
"""How many nearest GeoNames places are weighed for one GPS position."""

PLACE_RADIUS_KM_PER_SQRT_POP = 0.005
"""A place's 'reach' grows with the square root of its population: Paris (2.1 M) reaches about
7 km, a town of 26,000 about 0.8 km. Measured from the place's centre point in GeoNames, the
candidate with the smallest distance / reach wins; so the Eiffel Tower is in Paris, not in the
suburb whose centre point happens to be nearest."""

PLACE_MIN_RADIUS_KM = 1.0
"""Even a hamlet reaches this far."""

PLACE_MAX_DISTANCE_KM = 100.0
"""Beyond this from any known place (open sea, polar ice) camroll names the country only, or
nothing, rather than a town 300 km away."""
