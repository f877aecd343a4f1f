"""The guard every layer asks before it acts: consent, purge, (later) retention, audit, crypto.

This package sits low: it imports the registry and the store, never analysis, people,
creations or the web app.
"""
