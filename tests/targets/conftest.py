"""The readings planted as for the figures' tests."""

from tests.progress.conftest import plant  # noqa: F401
