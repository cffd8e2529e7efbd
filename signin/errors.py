from __future__ import annotations


class SignInRefused(Exception):
    """A sign-in the service refuses; `message` is translated and shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
