"""The review web app: one page to accept, reject, move and merge name spellings, saved through
the same code as `python -m pipeline names apply`."""

from pipeline.review.app import create_app, serve

__all__ = ["create_app", "serve"]
