"""`verify` and `leaderboard`: replays re-simulated, checked and ranked."""

from __future__ import annotations

import argparse


def verify(args: argparse.Namespace) -> int:
    raise NotImplementedError


def leaderboard(args: argparse.Namespace) -> int:
    raise NotImplementedError
