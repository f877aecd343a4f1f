"""The eight EXIF orientations as a group, so a person's rotation composes with the file's own.

An EXIF orientation (1-8) says how a viewer turns the stored pixels to show them: a mirror (or
not) followed by a clockwise turn of 0, 90, 180 or 270 degrees. These eight transforms are the
symmetries of a rectangle (the dihedral group of order 8), so any two of them applied one after
the other are again one of them: turning a photo that already shows with orientation 6 by another
90 degrees clockwise gives orientation 3. That is how ``camroll edit --rotate`` works: the
photo's orientation becomes :func:`rotated` of the file's, every reader of the catalog (analysis,
thumbnails, shared copies, creations) applies it as it applies any orientation, and the original
is never touched.

A face box, a text box or a drawn box is in displayed pixels, so it turns with the photo:
:func:`rotate_box`.
"""

from __future__ import annotations

ROTATIONS = (0, 90, 180, 270)
"""The turns a person can ask for, clockwise, in degrees."""

_PARTS: dict[int, tuple[bool, int]] = {
    1: (False, 0),
    2: (True, 0),
    3: (False, 180),
    4: (True, 180),
    5: (True, 270),
    6: (False, 90),
    7: (True, 90),
    8: (False, 270),
}
"""Orientation -> (mirror left-right first, then turn clockwise by degrees)."""
_OF_PARTS = {parts: value for value, parts in _PARTS.items()}


def parts(orientation: int) -> tuple[bool, int]:
    """(mirrored, clockwise degrees) of an EXIF orientation; an invalid value is 1 (as the
    metadata reader shows it)."""
    return _PARTS.get(orientation, (False, 0))


def of_parts(mirrored: bool, degrees: int) -> int:
    """The EXIF orientation that mirrors (or not) and then turns ``degrees`` clockwise."""
    return _OF_PARTS[(mirrored, degrees % 360)]


def compose(first: int, then: int) -> int:
    """The orientation that shows a photo as applying ``first`` and then ``then`` does.

    With each written as turn(r) . mirror(m): turn(a) . mirror(ma) . turn(b) . mirror(mb); a mirror
    moved past a turn reverses it (mirror . turn(b) = turn(-b) . mirror), so the result is
    turn(a +/- b) . mirror(ma xor mb)."""
    mirror_b, turn_b = parts(first)
    mirror_a, turn_a = parts(then)
    return of_parts(mirror_a != mirror_b, turn_a + (-turn_b if mirror_a else turn_b))


def inverse(orientation: int) -> int:
    """The orientation that undoes ``orientation`` (compose(o, inverse(o)) == 1)."""
    return next(o for o in _PARTS if compose(orientation, o) == 1)


def rotated(orientation: int, degrees: int) -> int:
    """``orientation`` followed by a clockwise turn of ``degrees`` (a multiple of 90)."""
    if degrees % 90:
        raise ValueError(f"a photo turns by a multiple of 90 degrees, not {degrees}")
    return compose(orientation, of_parts(False, degrees))


def swaps(degrees: int) -> bool:
    """Whether a turn of ``degrees`` swaps the displayed width and height."""
    return degrees % 180 == 90


def rotate_box(
    box: tuple[float, float, float, float], width: float, height: float, degrees: int
) -> tuple[float, float, float, float]:
    """A box (x, y, w, h) in a photo shown ``width`` x ``height``, after the photo turns
    ``degrees`` clockwise (the photo is then ``height`` x ``width`` for 90 and 270)."""
    x, y, w, h = box
    turn = degrees % 360
    if turn == 90:
        return (height - y - h, x, h, w)
    if turn == 180:
        return (width - x - w, height - y - h, w, h)
    if turn == 270:
        return (y, width - x - w, h, w)
    return (x, y, w, h)
