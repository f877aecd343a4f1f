"""Safe sharing: copies of photos that carry pixels, not a person's life.

A shared copy is a new JPEG written from decoded pixels (orientation applied, colours turned into
sRGB), so nothing from the original file's container survives: no GPS, serial numbers, time,
maker notes, XMP edit history, IPTC, comments or embedded thumbnails. Faces of people not chosen
for sharing are masked irreversibly (:mod:`camroll.sharing.mask`), and every copy is read back
and checked before it is reported as done (:mod:`camroll.sharing.strip`).
"""
