"""XMP sidecars that other photo apps read: face regions (MWG), keywords and place.

A sidecar is a small ``.xmp`` file beside a photo that digiKam, Lightroom, darktable and
ExifTool read in place of (or on top of) the photo's own metadata; writing sidecars changes no
original. Faces are written in the Metadata Working Group's region schema (``mwg-rs:Regions``),
the one those apps share:

* ``mwg-rs:AppliedToDimensions``: the photo's width and height as displayed (orientation applied,
  the pixels camroll's boxes are measured in), unit ``pixel``;
* ``mwg-rs:RegionList``: one region per face, ``Type`` ``Face``, ``Name`` where the person has
  one, and an ``Area`` whose ``x``/``y`` are the box's *centre* and ``w``/``h`` its size, all as
  fractions of the width and height (``stArea:unit="normalized"``).

Keywords are camroll's tags at or above ``EXPORT_TAG_MIN_SCORE`` as ``dc:subject``; the place as
``photoshop:City``/``State``/``Country``. The person's curation goes where those apps read it: the
rating as ``xmp:Rating``, albums and favourites as hierarchical keywords (``lr:hierarchicalSubject``
``Albums|Summer``, ``camroll|Favourite``; ``digiKam:TagsList`` ``Albums/Summer``). The photo's content hash (``camroll:ContentHash``) lets
:mod:`camroll.people.import_names` find the photo again when the file was renamed.

Reading (:func:`read_sidecar`) goes through :class:`camroll.library.xmp.Xmp`, which parses with
``defusedxml``: a sidecar is untrusted input like any photo.

The format lives in ``library/`` (beside :mod:`camroll.library.xmp`) because two layers use it:
the export writes sidecars (:mod:`camroll.report.export`) and people import names from them
(:mod:`camroll.people.import_names`); people may not import from report, which sits above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from camroll.library.xmp import Region, Xmp, read_user_fields

CAMROLL_NS = "https://camroll.invalid/ns/export/1.0/"
"""camroll's own namespace (a name, never fetched): the photo's content hash and file name."""


@dataclass
class FaceRegion:
    """A face in displayed pixels, with the name to write (None: an unnamed face)."""

    x: float
    y: float
    w: float
    h: float
    name: str | None = None


@dataclass
class Sidecar:
    """What one sidecar holds."""

    width: int
    height: int
    faces: list[FaceRegion] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    city: str | None = None
    region: str | None = None
    country: str | None = None
    content_hash: str | None = None
    file_name: str | None = None
    rating: int | None = None
    """0-5 stars (``xmp:Rating``), the person's own rating or the file's."""
    favourite: bool = False
    albums: list[str] = field(default_factory=list)
    """The person's albums holding the photo."""


def _fraction(value: float) -> str:
    return f"{min(1.0, max(0.0, value)):.6f}"


def to_xmp(s: Sidecar) -> str:
    """The sidecar's XMP packet, as text (UTF-8 when written)."""
    attrs = [
        f"xmlns:{p}={quoteattr(u)}"
        for p, u in (
            ("dc", "http://purl.org/dc/elements/1.1/"),
            ("photoshop", "http://ns.adobe.com/photoshop/1.0/"),
            ("mwg-rs", "http://www.metadataworkinggroup.com/schemas/regions/"),
            ("stArea", "http://ns.adobe.com/xmp/sType/Area#"),
            ("stDim", "http://ns.adobe.com/xap/1.0/sType/Dimensions#"),
            ("xmp", "http://ns.adobe.com/xap/1.0/"),
            ("lr", "http://ns.adobe.com/lightroom/1.0/"),
            ("digiKam", "http://www.digikam.org/ns/1.0/"),
            ("camroll", CAMROLL_NS),
        )
    ]
    if s.rating is not None and 0 <= s.rating <= 5:
        attrs.append(f'xmp:Rating="{int(s.rating)}"')
    for prefix, value in (
        ("photoshop:City", s.city),
        ("photoshop:State", s.region),
        ("photoshop:Country", s.country),
        ("camroll:ContentHash", s.content_hash),
        ("camroll:FileName", s.file_name),
    ):
        if value:
            attrs.append(f"{prefix}={quoteattr(value)}")
    body: list[str] = []
    # Curation as hierarchical keywords, the tags both apps read (Lightroom's "Albums|Summer",
    # digiKam's "Albums/Summer"), their leaves in dc:subject as Lightroom writes them.
    paths = [("Albums", a) for a in s.albums] + ([("camroll", "Favourite")] if s.favourite else [])
    subjects = list(dict.fromkeys(s.keywords + [leaf for _, leaf in paths]))
    if subjects:
        items = "".join(f"<rdf:li>{_text(k)}</rdf:li>" for k in subjects)
        body.append(f"   <dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
    if paths:
        lr_items = "".join(f"<rdf:li>{_text(top + '|' + leaf.replace('|', '/'))}</rdf:li>" for top, leaf in paths)
        body.append(f"   <lr:hierarchicalSubject><rdf:Bag>{lr_items}</rdf:Bag></lr:hierarchicalSubject>")
        dk_items = "".join(f"<rdf:li>{_text(top + '/' + leaf.replace('/', '|'))}</rdf:li>" for top, leaf in paths)
        body.append(f"   <digiKam:TagsList><rdf:Seq>{dk_items}</rdf:Seq></digiKam:TagsList>")
    if s.faces and s.width and s.height:
        body.append('   <mwg-rs:Regions rdf:parseType="Resource">')
        body.append(f'    <mwg-rs:AppliedToDimensions stDim:w="{s.width}" stDim:h="{s.height}" stDim:unit="pixel"/>')
        body.append("    <mwg-rs:RegionList><rdf:Bag>")
        for f in s.faces:
            name = f" mwg-rs:Name={quoteattr(f.name)}" if f.name else ""
            area = (
                f'stArea:x="{_fraction((f.x + f.w / 2) / s.width)}" stArea:y="{_fraction((f.y + f.h / 2) / s.height)}"'
                f' stArea:w="{_fraction(f.w / s.width)}" stArea:h="{_fraction(f.h / s.height)}"'
                ' stArea:unit="normalized"'
            )
            body.append(
                f'     <rdf:li><rdf:Description mwg-rs:Type="Face"{name}>'
                f"<mwg-rs:Area {area}/></rdf:Description></rdf:li>"
            )
        body.append("    </rdf:Bag></mwg-rs:RegionList>")
        body.append("   </mwg-rs:Regions>")
    return packet(attrs, body)


def packet(attrs: list[str], body: list[str]) -> str:
    """An XMP packet of one ``rdf:Description`` with these attributes (namespace declarations
    included) and these child elements: the wrapper every sidecar camroll writes shares."""
    description = '  <rdf:Description rdf:about=""\n    ' + "\n    ".join(attrs)
    description += (">\n" + "\n".join(body) + "\n  </rdf:Description>") if body else "/>"
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="camroll">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f"{description}\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>\n'
    )


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class ReadSidecar:
    """What :func:`read_sidecar` found: named regions (normalised, centre-based) and identity."""

    regions: list[Region]
    content_hash: str | None
    file_name: str | None
    problems: list[str]


def read_sidecar(path: Path) -> ReadSidecar:
    """Regions and identity from a sidecar (camroll's or another app's); never raises on bad XMP."""
    data = path.read_bytes()
    fields = read_user_fields(data, None)
    content_hash = file_name = None
    if CAMROLL_NS.encode() in data:
        try:
            x = Xmp(data)
            content_hash, file_name = _own(x, "ContentHash"), _own(x, "FileName")
        except Exception as e:  # malformed or refused XML (defusedxml raises its own errors)
            fields.problems.append(f"the sidecar's identity is not readable ({type(e).__name__})")
    return ReadSidecar(fields.regions, content_hash, file_name, fields.problems)


def _own(x: Xmp, local: str) -> str | None:
    """A property in camroll's namespace (an attribute or a simple element)."""
    key = "{" + CAMROLL_NS + "}" + local
    for desc in x.descriptions:
        if key in desc.attrib:
            return str(desc.attrib[key])
        el = desc.find(key)
        if el is not None and (el.text or "").strip():
            return (el.text or "").strip()
    return None
