"""Budgets that keep one client from taking the class host down: pure, clock passed in.

A token bucket meters keystrokes per session and new connections per address.
"""

from __future__ import annotations

from dataclasses import dataclass

# Connections the host keeps apart from the teams' share, and what each one costs.
FACILITATOR_SLOTS = 2  # the console, and a second terminal to take it over from a frozen one
REFUSAL_SLOTS = 2  # connections past the cap let in only to be told why, in their terminal
TAKEOVER_SLOTS = 2  # teams past the cap coming back from a new terminal to take over
FILES_PER_CONNECTION = 4  # socket, PTY, and a spawn's socket and terminal while it starts
FILES_KEPT = 48  # the listener, the event loop, logs, the class folder's files


@dataclass
class TokenBucket:
    """Up to `burst` at once, then `rate` per second: a paste passes, a flood does not."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, amount: float, now: float) -> bool:
        """Spend `amount` if it is all there (all or nothing, so a key is never cut in half)."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True

    def full(self, now: float) -> bool:
        return self.tokens < 0 or self.tokens + (now - self.stamp) * self.rate >= self.burst


class AddressRate:
    """New connections per source address: a whole room behind one NAT gets in at once,
    a loop of reconnects from one machine does not."""

    def __init__(self, burst: int, per_minute: float, max_addresses: int = 4096) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0
        self.max_addresses = max_addresses
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, address: str, now: float) -> bool:
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= self.max_addresses:
                self._forget_idle(now)
            bucket = self._buckets[address] = TokenBucket(self.rate, self.burst)
        return bucket.take(1, now)

    def _forget_idle(self, now: float) -> None:
        # Addresses whose bucket has refilled carry no history worth keeping.
        for address in [a for a, b in self._buckets.items() if b.full(now)]:
            del self._buckets[address]
        if len(self._buckets) >= self.max_addresses:
            self._buckets.clear()  # under a spoofed-address flood, forget rather than grow
