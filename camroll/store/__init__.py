"""SQLite storage: one file, migrations, one writer at a time (WAL lets readers run alongside)."""
