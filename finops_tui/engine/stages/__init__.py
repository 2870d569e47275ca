"""The kernel's stages, each a pure function over arrays with the batch first.

`kernel.resolve` runs them in this order; each takes what it needs explicitly and
returns a small named tuple of arrays, so each can be tested alone:

1. world        the world's events: this turn's draws, scheduled and random events
2. training     GPU-hours from 6ND, checkpoints, spot preemptions, shipping
3. inference    demand, an API or our own GPUs, the latency SLA
4. side_work    the dev environment, forgotten clusters, runaway jobs
5. commitments  what the player committed to, bought for the whole term
   billing      the ledger lines: compute, commitments, services, practices
6. totals       the period's totals and KPIs, and the state for the next turn
7. outcomes     what each event did, in hours and cents

Shared pieces: `period` (the turn and its length), `usage` (a workload's GPU-hours),
`spot` (interruptions and the work they lose), `money` (ledger lines in cents).
"""
