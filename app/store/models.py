"""The tables: one row per shared document, found by an unguessable id or by its content's digest.

The schema changes only through a migration (app/store/migrations/versions/); a test checks that the
migrations and these models describe the same tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 32  # room to spare: ids are 11 characters today (see store.new_id)


class Base(DeclarativeBase):
    pass


class SharedDocument:
    """What links and decks have in common: an immutable text body, stored once per content.

    `digest` (SHA-256 of the body) is unique, so identical content shares one id: a class that
    shares the same experiment thirty times makes one row, and an id reveals nothing beyond the
    content that whoever holds the id can read anyway.
    """

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Link(SharedDocument, Base):
    """A short link: `body` is the page's URL state (the part after `#`)."""

    __tablename__ = "links"


class Deck(SharedDocument, Base):
    """A lesson deck: `body` is its JSON in the static/lessons.json shape."""

    __tablename__ = "decks"
