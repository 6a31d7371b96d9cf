"""The web layer: routes, request checks, streaming and error rendering. No math lives here."""
