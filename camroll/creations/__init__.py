"""Creations: collages, videos and filtered copies made from a person's photos.

Every creation is written to an output folder (``CAMROLL_HOME/creations`` or ``--out DIR``),
never beside or over an original, and recorded with the photos and capabilities it used
(:mod:`camroll.creations.records`), so that deleting a photo or revoking a capability finds and
deletes the creations made from it.
"""
