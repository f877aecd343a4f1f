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

# --- people ----------------------------------------------------------------------------------
# Distances are Euclidean between dlib 128-d face embeddings (same person: mostly < 0.5;
# different people: mostly > 0.6; the real test faces overlap between 0.57 and 0.66).

PEOPLE_NEIGHBOURS = 3
"""A face is compared with a person's closest few faces, not all of them: a new profile photo
should find that person's profiles, not be outvoted by their many frontal ones."""

PEOPLE_ATTACH_DISTANCE = 0.6
"""A new face joins a known person only if the mean distance to that person's closest faces is
below this: dlib's documented operating point for this model (same person below 0.6; 99.38% on
LFW), applied to a mean of several faces, which is stricter than one nearest face."""

PEOPLE_ATTACH_MARGIN = 0.04
"""...and only if the next closest person is at least this much further: two look-alikes both
close to the face (siblings) leave it for the person to decide."""

PEOPLE_CLUSTER_DISTANCE = 0.6
"""Faces that join nobody are clustered among themselves by average linkage, cut at dlib's
operating point: two groups merge only if their faces are, on average, within it. Average
linkage does not chain look-alikes through one ambiguous face, as single linkage (DBSCAN) does."""

# --- faces -----------------------------------------------------------------------------------

FACE_DETECT_SIDE = 640
"""CenterFace looks at the analysis pixels shrunk to this longest side (never enlarged). LFW faces
pasted 12 at a time into a 4032 px photo were all found from 2.5 % of its width (16 px at 640;
9 of 12 at 2 %); at 512 all from 3 % (10 of 12 at 2.5 %), at 1024 all from 1.5 %. 640 takes
30 ms a photo on one core, 512 24 ms, 1024 55 ms: 1024 would nearly double the per-photo cost for
faces too small for a print anyway (FACE_MIN_PRINT_SIDE). On the test photos 512-1024 all found
the same faces: one in every single-person photo, 2 of 2 in the couple, all 7 in the group selfie
(BlazeFace full-range: 4)."""

FACE_MIN_SCORE = 0.4
"""CenterFace's score (0-1) from which a detection is a face. On the 84 scene and EXIF test
photos, every detection at 0.4 or above was a real face (9, some blurred in the background);
between 0.3 and 0.4 there were as many non-faces (a fir tree 0.38, a drawn face 0.38, a robot's
face plate 0.35) as blurred real faces. The half face cut off by the frame of the group selfie
scores 0.43, and the tight face crops of expressions/ are found in 129 of 132 photos."""

FACE_NMS_OVERLAP = 0.3
"""CenterFace marks one face at several neighbouring grid cells; the best one is kept when two
boxes overlap by more than this (intersection over union)."""

FACE_LEVEL_ANGLE = 30.0
"""A face whose eye line is tilted more than this many degrees is turned upright before dlib's
5-point predictor, which is seeded with an upright box and fails from about 45 degrees (median
print drift 0.45 at 60 degrees, 0.70 at 90; turned upright: 0.07-0.08)."""

FACE_MIN_PRINT_SIDE = 40
"""A face smaller than this (analysis pixels, the side of the dlib-style box built from its eye
and mouth points) is kept as a face but gets no face print. Measured print drift (median distance
from the print of the same face at full size) by face width: 24 px 0.38, 32 px 0.27, 40 px 0.20,
48 px 0.17, 64 px 0.12. Different people are mostly over 0.6 apart and the closest test pair of
different people 0.57: at 40 px the drift alone takes a third of that, below it a print is noise
that would join some person at random."""

FACE_THUMB_SIDE = 160
"""Face crops for the people pages: this many pixels on their longest side."""

# --- text in photos ----------------------------------------------------------------------------

TEXT_DET_MAX_SIDE = 960
"""Longest side the text detector works at. On the 19 test photos analysed at 1280 px, 960 took
290 ms a photo against 549 ms at 1280 (one thread), and read the same lines on all 85 scene and
EXIF photos; synthetic lines 8 px high are still read at 960 (at 640 they were misread)."""

TEXT_MIN_SIDE = 640
"""Photos with a longer side below this are enlarged to it before OCR: on the test photos a
425 x 120 magazine scan gave 11 lines instead of 7 (79 lines instead of 75 over all 85 photos)."""

TEXT_MIN_LINE_SCORE = 0.6
"""Recognition confidence below which a line is dropped (rapidocr's default is 0.5). Real text on
the test photos scored 0.69-1.0 (0.69: a blurred word on a car); textures read as text scored
0.5-0.86, so most of them are removed by MIN_LINE_CHARS, not by the score."""

TEXT_MIN_LINE_CHARS = 2
"""A line needs this many letters or digits: most single characters read on the test photos were
textures ('人' on a cat, '福' on a dog, 'N', 'X', '●'), and a lone character is useless for search."""

# --- sensitive content -------------------------------------------------------------------------

SENSITIVE_EXPLICIT_MIN_SCORE = 0.65
"""An explicit class at or above this score makes a photo explicit. Chosen from clean photos only
(no explicit test set is kept): across the 306 real test photos the highest explicit-class score
was 0.62 (a face filling the whole frame, read as 'exposed genitalia'), 0.50 on an ordinary face
photo and 0.30 on a clock. Recall on real nudity is unmeasured; the raw ``score`` is stored."""

# --- expressions -----------------------------------------------------------------------------

EXPRESSION_FACE_MARGIN = 0.1
"""The square around a face is widened by this share of its side on each edge, like ``fer``'s
10-pixel margin around OpenCV's face boxes (FER-2013 faces include a little hair and chin)."""

SMILE_MIN_HAPPY = 0.5
"""A face 'smiles' when the model gives 'happy' at least even odds against all the rest."""
