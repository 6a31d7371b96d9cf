"""The shared store (design.md §11): short links and lesson decks, the server's only stored state.

A SQLite file under OPTIMLAB_DATA_DIR by default; PostgreSQL when OPTIMLAB_DATABASE_URL names one, so
replicas on several machines answer the same links (design.md §12). Routes use `Store`; the tables
are `Link` and `Deck`.
"""

from app.store.models import Deck, Link, SharedDocument
from app.store.store import Store, StoreUnavailable

__all__ = ["Deck", "Link", "SharedDocument", "Store", "StoreUnavailable"]
