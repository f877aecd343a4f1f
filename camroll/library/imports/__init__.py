"""Imports of the photo exports people take when they leave a cloud (issue 13): Google Takeout,
Meta (Facebook/Instagram) and Apple "Export Unmodified Original". :mod:`.common` reads zips and
folders safely; one module per export kind matches sidecars and reads their JSON."""
