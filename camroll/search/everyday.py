"""Words people type that the tags do not say, and what camroll can honestly answer for them.

Three small tables, written by hand (not fitted to any photo), read by :func:`camroll.search.query.parse`:

- :data:`EVERYDAY_TAGS`: a word -> the tags that show it, with a weight (how surely the tag means
  the word) and why. ImageNet's class names are not everyone's words: its "kite" is a bird of
  prey, and a kite in the sky is mostly classified as a "parachute"; a hike shows mountains,
  valleys and backpacks, never a class called "hike". The classifier's own word table
  (``camroll/analysis/data/tag_words.tsv``) says what a photo *is*; this one says what a person
  *means*, and lives with search.
- :data:`EXPRESSION_WORDS`: words for faces -> the expression labels the expressions capability
  stores (``expressions.label``: angry, disgusted, fearful, happy, sad, surprised, neutral). Only
  stored labels are searched: a face the capability left without a clear expression is found by
  none of these words. Smiles ("smiling", "happy", "laughing") keep their own reading: the
  ``smiling`` flag, set from the happy probability.
- :data:`SCENE_WORDS`: words answered from a photo's metadata, not its pixels: "sunset" and
  "sunrise" from the time and the sun's position at the GPS location, "night" from the sun (or the
  clock, without GPS), "selfie" from a large face taken with a front camera. See
  :mod:`camroll.search.scenes`.
"""

from __future__ import annotations

EVERYDAY_TAGS: dict[str, tuple[dict[str, float], str]] = {
    "kite": (
        {"parachute": 1.0, "balloon": 0.6},
        "ImageNet's 'kite' is a bird of prey; a kite flying is classified as a parachute (or a balloon)",
    ),
    "kites": ({"parachute": 1.0, "balloon": 0.6}, "as 'kite'"),
    "paraglider": ({"parachute": 1.0}, "ImageNet has no paraglider; it shows as a parachute"),
    "paragliding": ({"parachute": 1.0}, "as 'paraglider'"),
    "hike": (
        {"mountain": 1.0, "alp": 1.0, "valley": 0.9, "cliff": 0.8, "backpack": 0.8, "mountain tent": 0.8},
        "no class is a hike; a hike's photos show mountains, valleys, cliffs and backpacks",
    ),
    "hiking": ({"mountain": 1.0, "alp": 1.0, "valley": 0.9, "cliff": 0.8, "backpack": 0.8}, "as 'hike'"),
    "trek": ({"mountain": 1.0, "alp": 1.0, "valley": 0.9, "backpack": 0.8}, "as 'hike'"),
    "skiing": ({"ski": 1.0, "snow": 0.8, "snowmobile": 0.5}, "a ski slope is tagged ski and snow"),
    "swimming": ({"swimming trunks": 0.8, "bikini": 0.7, "maillot": 0.7, "sea": 0.5}, "swimwear shows swimming"),
    "graduation": ({"academic gown": 1.0, "mortarboard": 1.0}, "ImageNet's gown and mortarboard"),
}
"""Word -> ({tag: weight}, why). A photo's score for the word is its best tag score times the weight.
Words the text model already maps well ("seaside" -> beach, seashore) are left to it."""

EXPRESSION_WORDS: dict[str, tuple[str, ...]] = {
    "sad": ("sad",),
    "sadness": ("sad",),
    "unhappy": ("sad",),
    "crying": ("sad",),
    "upset": ("sad", "angry"),
    "surprised": ("surprised",),
    "surprise": ("surprised",),
    "shocked": ("surprised", "fearful"),
    "astonished": ("surprised",),
    "amazed": ("surprised",),
    "angry": ("angry",),
    "anger": ("angry",),
    "mad": ("angry",),
    "furious": ("angry",),
    "disgusted": ("disgusted",),
    "disgust": ("disgusted",),
    "scared": ("fearful",),
    "afraid": ("fearful",),
    "fearful": ("fearful",),
    "fear": ("fearful",),
    "frightened": ("fearful",),
    "neutral": ("neutral",),
    "serious": ("neutral",),
    "expressionless": ("neutral",),
    "joyful": ("happy",),
    "cheerful": ("happy",),
}
"""Word -> stored expression labels. "happy", "smiling", "laughing" are smiles (query.SMILE_WORDS)."""

SCENE_WORDS: dict[str, str] = {
    "sunset": "sunset",
    "sunsets": "sunset",
    "dusk": "sunset",
    "sundown": "sunset",
    "sunrise": "sunrise",
    "sunrises": "sunrise",
    "dawn": "sunrise",
    "night": "night",
    "nights": "night",
    "nighttime": "night",
    "selfie": "selfie",
    "selfies": "selfie",
}
"""Word -> the scene computed from metadata (:mod:`camroll.search.scenes`)."""
