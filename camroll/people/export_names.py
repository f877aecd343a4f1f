"""Names from cloud exports: a photo the service said shows "Ana" names the person in it (issue 13).

Google Takeout (``people[].name``) and Apple's named regions say who is in a photo, not which face
is whom: the name belongs to the photo. Once faces and people are granted, a name is given to
the person camroll finds in most of the photos that carry it:

- only photos where camroll found at least one person count (a photo whose faces were not
  found says nothing either way);
- the person must be in at least ``EXPORT_NAME_MIN_SHARE`` of those photos, and in more of
  them than anyone else (a tie names nobody: Ana and Ben together in every photo tagged "Ana");
- a person two names point at takes the name with more photos (equal: nobody);
- then the rules of ``camroll import-names`` apply (:func:`camroll.people.import_names.apply_votes`):
  a name a person typed is never overwritten, and the name's source says where it came from
  (``import:takeout:people``), shown in "why camroll knows this".

It runs after every clustering of people (:func:`people_job`, the capability's library-wide
step), so a name waits until the person exists, and a re-clustering names them again.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from camroll import thresholds
from camroll.config import AppContext
from camroll.people.cluster import update_people
from camroll.people.import_names import ImportResult, apply_votes
from camroll.progress import Reporter
from camroll.store import imports as store_imports


def name_from_exports(ctx: AppContext) -> ImportResult:
    """Name people from the names cloud exports gave their photos; what was named and kept."""
    photos_of: dict[str, set[int]] = defaultdict(set)  # name -> photos with somebody camroll knows
    seen_in: dict[str, Counter[int]] = defaultdict(Counter)  # name -> person -> photos
    source: dict[str, str] = {}  # name -> the first export that gave it (takeout:people...)
    for name, photo_id, person_id, fact_source in store_imports.named_faces(ctx.db):
        if person_id is None:
            continue
        source.setdefault(name, fact_source)
        photos_of[name].add(photo_id)
        seen_in[name][person_id] += 1
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for name, people in seen_in.items():
        ranked = people.most_common(2)
        best, photos = ranked[0]
        if len(ranked) > 1 and ranked[1][1] == photos:
            continue
        if photos >= thresholds.EXPORT_NAME_MIN_SHARE * len(photos_of[name]):
            votes[best][name] = photos
    result = ImportResult()
    result.sources = len(seen_in)
    apply_votes(ctx, votes, {(p, n): source[n] for p, names in votes.items() for n in names}, result)
    return result


def people_job(ctx: AppContext, reporter: Reporter | None = None) -> str:
    """The people capability's library-wide step: cluster faces, then name from exports."""
    said = update_people(ctx, reporter)
    named = name_from_exports(ctx)
    if named.named:
        said += f"; {len(named.named)} named from the names your cloud exports gave their photos"
    return said
