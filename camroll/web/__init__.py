"""The web app (`camroll serve`): consent, library, people, places, moments, search, report."""
