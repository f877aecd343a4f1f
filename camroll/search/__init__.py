"""Search: one box over people's names, places, dates, cameras, tags and the text in photos.

``engine.search(ctx, "Ana at the beach last summer")`` is the one entry point (the CLI and the web
app both call it); ``query`` reads the words, ``dates`` the dates, ``synonyms`` maps other words to
the nearest tags with a small offline text model.
"""
