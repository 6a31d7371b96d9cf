"""Shared things the routes depend on, taken from the app (so tests can build a fresh one)."""

from __future__ import annotations

from fastapi import Request

from app.api.flights import FlightCache
from app.api.pool import ComputePool
from app.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_pool(request: Request) -> ComputePool:
    return request.app.state.pool


def get_flights(request: Request) -> FlightCache:
    return request.app.state.flights
