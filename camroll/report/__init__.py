"""Reports on what camroll knows: the exposure report, and the export of everything derived."""
