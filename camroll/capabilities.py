"""The capability registry: the one place that knows each kind of analysis camroll can do.

Everything privacy-related is derived from these entries: the consent screen and
``camroll consent status`` show ``reads`` and ``learns``; the pipeline's gate asks the consent
ledger about ``id``; revoking deletes the rows of ``tables`` and the files of ``folders`` for the
revoked scope, and revokes every capability that ``depends_on`` it first. Adding a capability is
adding one entry here (and its analyser); nothing else has to learn its name.

The registry is declarative on purpose: consent, purge and export import this module, never the
analysis code that ``analyser`` names (a dotted path, loaded only when analysis runs). Data made
from photos by the layers above privacy (creations today) is declared the same way, in
:data:`DERIVED_STORES`: a purge step named by dotted path, so privacy never imports creations.
Every other table tied to a photo, a face or a person (the person's curation and corrections,
imports, the catalog's extras) is declared in :data:`TIES`: a removal deletes by it, the export's
test checks its keys, and a contract test fails on a table declared nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OwnedTable:
    """A table whose rows a capability derives, and how a row is tied to a photo."""

    name: str
    photo_key: str = "photo_id"
    """Column holding the photo id (``id`` for the photos table itself)."""
    path_key: str | None = None
    """Column holding a file path (bytes); when set, a folder-scoped purge matches rows by
    path, so files camroll could not read (no photo) are purged too."""
    only_orphans: bool = False
    """Delete only photos no longer backed by any file (an exact copy elsewhere keeps it)."""


@dataclass(frozen=True)
class Capability:
    id: str
    title: str
    reads: str
    """What it reads, in one plain sentence."""
    learns: str
    """What it learns and keeps, in one plain sentence."""
    biometric: bool = False
    """Faces, people, expressions: special-category data under GDPR art. 9."""
    depends_on: tuple[str, ...] = ()
    tables: tuple[OwnedTable, ...] = ()
    """Purged in this order."""
    purge_sql: tuple[tuple[str, str], ...] = ()
    """Further ``(what, SQL)`` steps of a purge, after the tables, for what is not a table of its
    own (assignments stored on another capability's rows). The SQL may use the temporary table
    ``purge_scope(id)`` of the photos in scope; ``what`` names the rows in the purge report."""
    key: str | None = None
    """Name of the encryption key sealing this capability's data at rest; revoking it everywhere
    destroys the key (crypto-shredding), so no backup of the database can bring the data back."""
    folders: tuple[str, ...] = ()
    """Folders under CAMROLL_HOME whose files are named after a photo's hash (``<hash>*``)."""
    analyser: str | None = None
    """Dotted path (``module:Class``) of the per-photo analyser, loaded only when analysis runs."""
    job: str | None = None
    """Dotted path (``module:function(ctx)``) of a library-wide step run after the per-photo
    pass (clustering faces into people, grouping near duplicates, naming places)."""
    granted_by_scan: bool = False
    """Pointing camroll at a folder (``camroll scan PATH``) is itself the consent, for that folder."""


REGISTRY: tuple[Capability, ...] = (
    Capability(
        id="metadata",
        title="Library and metadata",
        reads="The files in the folders you point camroll at: names, sizes, a fingerprint of each "
        "file's content, and the details cameras write into photos (date and time, camera and "
        "lens, GPS coordinates, titles, captions and keywords).",
        learns="A catalog of your photos: when each was taken, with which camera, and the raw "
        "coordinates where the camera recorded them. Nothing is uploaded.",
        tables=(
            OwnedTable("files", photo_key="photo_id", path_key="path_bytes"),
            OwnedTable("photos", photo_key="id", only_orphans=True),
        ),
        folders=("cache/thumbs",),
        granted_by_scan=True,
    ),
    Capability(
        id="places",
        title="Places",
        reads="The GPS coordinates already in your photos' metadata, matched against a list of "
        "the world's cities that ships with camroll (no map service is asked).",
        learns="The town, region and country each photo was taken in, and the local time zone "
        "there, so photos without a time zone get the right one.",
        depends_on=("metadata",),
        tables=(OwnedTable("photo_places"),),
        purge_sql=(
            # A home a person set is kept while any place is known; with the last place it goes too.
            ("home place", "DELETE FROM home_place WHERE NOT EXISTS (SELECT 1 FROM photo_places)"),
        ),
        job="camroll.library.places:place_job",
    ),
    Capability(
        id="faces",
        title="Faces",
        reads="The pixels of your photos, to find faces, by models that run on this machine.",
        learns="Where each face is in each photo, five points on it (eyes, nose, mouth corners), a small "
        "crop of it, and a face print (a list of 128 numbers) that lets camroll tell faces apart.",
        biometric=True,
        tables=(OwnedTable("faces"),),
        folders=("cache/faces",),
        key="biometric",
        analyser="camroll.analysis.faces:FaceAnalyser",
    ),
    Capability(
        id="people",
        title="People",
        reads="The face prints found by Faces, compared with each other.",
        learns="Which faces belong to the same person, across your whole library, and the names and "
        "birthdays you give them. Your own edits (names, birthdays, which face is or is not someone) "
        "stay when you revoke, so a new grant finds them again; forgetting the person or removing the "
        "photo deletes them.",
        biometric=True,
        depends_on=("faces",),
        purge_sql=(
            (
                "face assignments",
                "UPDATE faces SET person_id = NULL, confidence = NULL, assigned_by = NULL"
                " WHERE photo_id IN (SELECT id FROM purge_scope) AND person_id IS NOT NULL",
            ),
            (
                "faces held for review",
                "DELETE FROM face_holds WHERE face_id IN (SELECT id FROM faces WHERE photo_id IN (SELECT id FROM purge_scope))",
            ),
            # A person the user named, split or corrected stays while a hand edit (face_edits) says
            # a face is them: the edits are theirs, not derived, and come back with the faces.
            (
                "people",
                "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM faces WHERE faces.person_id = people.id)"
                " AND NOT EXISTS (SELECT 1 FROM face_edits e WHERE e.person_id = people.id AND e.kind = 'is')",
            ),
        ),
        job="camroll.people.export_names:people_job",
    ),
    Capability(
        id="expressions",
        title="Expressions",
        reads="The faces found by Faces, in grey at 64 x 64 pixels.",
        learns="Whether each face looks happy, neutral, sad, surprised, angry, fearful or disgusted, and "
        "whether it smiles, to pick photos for collages and videos.",
        biometric=True,
        depends_on=("faces",),
        tables=(OwnedTable("expressions"),),
        analyser="camroll.analysis.expressions:ExpressionAnalyser",
    ),
    Capability(
        id="tags",
        title="Objects and scenes",
        reads="The pixels of your photos, shrunk to 224 x 224, by an image classifier that runs on this "
        "machine (EfficientNet-Lite0, trained on ImageNet).",
        learns="Words describing what is in each photo (dog, beach, food, car, document...) with a score, "
        "so you can search for them.",
        tables=(OwnedTable("tags"),),
        analyser="camroll.analysis.tags:TagAnalyser",
    ),
    Capability(
        id="text",
        title="Text in photos",
        reads="The pixels of your photos, by a text reader (OCR) that runs on this machine.",
        learns="The words written in each photo (signs, documents, screenshots), to search them, and "
        "which photos show sensitive text: ID documents, passport lines, card numbers, e-mail "
        "addresses, phone numbers.",
        tables=(OwnedTable("texts"),),
        analyser="camroll.analysis.text:TextAnalyser",
    ),
    Capability(
        id="sensitive",
        title="Nudity",
        reads="The pixels of your photos, by a nudity detector that runs on this machine (NudeNet).",
        learns="Which photos show exposed bodies, so camroll can warn before such a photo is shared or "
        "shown in a collage or video.",
        tables=(OwnedTable("sensitive"),),
        analyser="camroll.analysis.sensitive:SensitiveAnalyser",
    ),
    Capability(
        id="duplicates",
        title="Near duplicates",
        reads="The pixels of your photos, reduced to a small grey thumbnail.",
        learns="A 64-bit visual fingerprint per photo, which groups resized, re-saved and burst copies "
        "of the same picture and suggests the best copy to keep.",
        tables=(OwnedTable("near_duplicates"), OwnedTable("fingerprints")),
        analyser="camroll.analysis.duplicates:Fingerprint",
        job="camroll.analysis.duplicates:group_near_duplicates",
    ),
    Capability(
        id="quality",
        title="Photo quality",
        reads="The pixels of your photos, as brightness values only.",
        learns="How sharp and how well exposed each photo is, to pick the best ones for collages and "
        "videos. No face or content is recognised.",
        tables=(OwnedTable("quality"),),
        analyser="camroll.analysis.quality:QualityAnalyser",
    ),
)

BY_ID: dict[str, Capability] = {c.id: c for c in REGISTRY}


@dataclass(frozen=True)
class DerivedStore:
    """Something made from photos and capabilities that lives outside any capability's tables:
    creations (collages, videos, filtered and shared copies, HTML reports), and the curation
    data to come. A purge must delete it with what it was made from, yet its code sits above
    privacy; so the store names its purge step here and the purge loads it on use."""

    id: str
    """Its name in a purge report (``creations``)."""
    purge_step: str
    """Dotted path (``module:function``) of ``step(conn, capability, photos_gone) -> list[str]``.

    Called inside the purge's transaction, with the temporary table ``purge_scope(id, hash)``
    holding the photos in scope: it deletes the rows of every item made from those photos with
    ``capability`` (every item at all when ``photos_gone``: the photos themselves go) and returns
    the path of each item's file, one per row. It never deletes a file: the purge decides which
    go (those camroll keeps itself) and which stay (those written to a folder the person chose),
    and journals them so a crash cannot leave them half done."""


DERIVED_STORES: tuple[DerivedStore, ...] = (
    DerivedStore(id="creations", purge_step="camroll.creations.records:purge_step"),
)


@dataclass(frozen=True)
class Tie:
    """A table tied to photos or people that no capability owns: the person's own curation and
    corrections, what imports and the catalog keep beside a photo, and camroll's bookkeeping.
    Declared once here, so a purge, an export and the schema's check derive from it instead of
    each knowing the tables (issue 14: "one place declares what belongs to a photo")."""

    table: str
    kind: str
    """``curation`` (the person's own choices: albums, favourites, edits, stacks kept; a revoke
    leaves them, the photo's removal and ``camroll forget`` take them), ``correction`` (the
    person's fixes of people, kept through a revoke the same way), ``import`` (what a cloud
    export said), ``catalog`` (what the scan keeps beside a photo) or ``bookkeeping`` (how
    camroll's own work went)."""
    photo_key: str | None = "photo_id"
    """Column holding the photo id; rows go when their photo is removed (None: tied to faces or
    people, or to a file by hash, which go their own way)."""
    export: str | None = None
    """The ``library.json`` key that carries it (None: not the person's data to take along)."""


TIES: tuple[Tie, ...] = (
    Tie("photo_flags", "curation", export="photos"),  # favourite and archived, per photo
    Tie("photo_edits", "curation", export="photos"),  # dates, places, titles...: the photo's fields
    Tie("albums", "curation", photo_key=None, export="albums"),
    Tie("album_photos", "curation", export="albums"),
    Tie("stack_kept", "curation", export="stacks"),
    Tie("people", "correction", photo_key=None, export="people"),  # clusters, and the names given them
    Tie("face_edits", "correction", export="people"),
    Tie("face_rejections", "correction", photo_key=None, export="face_rejections"),
    Tie("people_not_same", "correction", photo_key=None, export="people_not_same"),
    Tie("face_dismissals", "correction", export="face_dismissals"),
    Tie("face_holds", "bookkeeping", photo_key=None),
    Tie("import_facts", "import"),
    Tie("import_albums", "import", export="albums"),
    Tie("live_identifiers", "catalog"),
    Tie("motion_checked", "catalog"),
    Tie("motion_clips", "catalog"),
    # Purged their own way: each capability's purge drops its analysis state, and the creations'
    # purge step (DERIVED_STORES) finds what was made from a photo through creation_photos.
    Tie("analysis_state", "bookkeeping", photo_key=None),
    Tie("creation_photos", "bookkeeping", photo_key=None),
)
"""Every table tied to a photo, a face or a person besides the capabilities' own
(``tests/test_contract.py`` fails on a new one not declared here or there)."""


def ties_with_photos() -> list[Tie]:
    """The ties whose rows go with their photo."""
    return [t for t in TIES if t.photo_key is not None]


def get(cap_id: str) -> Capability:
    try:
        return BY_ID[cap_id]
    except KeyError:
        known = ", ".join(BY_ID)
        raise KeyError(f"unknown capability {cap_id!r}; known: {known}") from None


def dependents(cap_id: str) -> list[Capability]:
    """Every capability that needs ``cap_id``, directly or not, deepest first (purge order)."""
    out: list[Capability] = []

    def visit(cid: str) -> None:
        for cap in REGISTRY:
            if cid in cap.depends_on and cap not in out:
                visit(cap.id)
                out.append(cap)

    visit(cap_id)
    return out
