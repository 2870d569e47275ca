"""The codex without an app: every concept a level or a quiz links to has an entry."""

from __future__ import annotations

from finops_tui.gameplay.codex import DEFAULT_ENTRY, codex, entry


def test_codex_has_the_concepts_levels_link_to() -> None:
    entries = codex()
    for concept in (
        "finops-phases",
        "finops-principles",
        "allocation",
        "showback-chargeback",
        "unit-economics",
        "roi",
        "commitments",
        "spot",
        "rightsizing",
        "forecast-variance",
        "training-compute",
        "chinchilla",
        "inference-memory",
        "scheduling",
        "anomaly-detection",
        "responsible-ai",
    ):
        assert concept in entries
    for item in entries.values():
        for link in item.body.split("](codex:")[1:]:
            assert link.split(")")[0] in entries, (item.id, link)


def test_every_shipped_quiz_concept_has_a_codex_entry(scenarios) -> None:
    for scenario in scenarios.values():
        for q in scenario.level.quiz:
            assert entry(q.concept).id in codex(), (scenario.level.id, q.concept)
            assert entry(q.concept).id != DEFAULT_ENTRY or q.concept == DEFAULT_ENTRY, (
                scenario.level.id,
                q.concept,
            )
