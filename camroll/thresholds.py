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

# --- analysis --------------------------------------------------------------------------------

ANALYSIS_MAX_SIDE = 1280
"""Photos are decoded once with their longest side at most this many pixels, and every model
works from those pixels. 1280 keeps a face 40 px wide in a 4000 px group photo at about 13 px,
near the smallest the face detector finds; larger costs decode time on every photo."""

ANALYSIS_BATCH = 32
"""Photos whose analysis results are written per transaction (or after SCAN_COMMIT_SECONDS)."""

# --- duplicates and quality ------------------------------------------------------------------

NEAR_DUPLICATE_DISTANCE = 6
"""Two photos whose 64-bit perceptual hashes (pHash) differ in at most this many bits are near
duplicates: a re-save, a resize, a HEIC/JPEG pair, a burst shot. At 6 a mild crop or filter
still matches; unrelated photos differ in about 32 bits on average."""

QUALITY_SIDE = 512
"""Sharpness is measured at this longest side, so photos of different sizes compare fairly."""

SHARP_LAPLACIAN = 300.0
"""Variance of the Laplacian at QUALITY_SIDE above which a photo counts as fully sharp; the
score falls off on a log scale below it (a visibly blurred photo is around 20-50)."""

CLIPPED_LEVEL = 0.02
"""A pixel at or below 2% or at or above 98% of full brightness is crushed or blown."""

FLAT_FINGERPRINT_BITS = 2
"""A pHash with this many bits set or fewer comes from a featureless picture (uniform grey, one
pixel); such photos are never grouped as duplicates of each other."""

# --- tags ------------------------------------------------------------------------------------

TAG_WORD_MIN_SCORE = 0.3
"""A search word is tagged when its classes hold at least this share of the probability. Summing
over a word's classes makes in-group confusion (breed vs breed) free, so a real dog usually sums
well above 0.8 while an unrelated photo puts a few percent on all 118 breeds together; 0.3 sits
between, erring toward recall (a missed photo is lost to search; an extra one is scrolled past)."""

TAG_LEMMA_MIN_SCORE = 0.0
"""The top ImageNet class is always tagged with its own name, with its score, so search can rank
it low; 0 keeps even weak guesses ("viaduct 0.11" on a building). Raising it trades recall of
specific words for fewer odd tags; not tuned, see docs/models.md."""

TAG_EVIDENCE_MIN_PROB = 0.01
"""Classes below this probability are not named as evidence (the top class of a word always is)."""

TAG_EVIDENCE_MAX_CLASSES = 3
"""At most this many classes are named in a tag's evidence, most probable first."""
