"""`levels`, `validate` and `schema`: the level files, listed and checked."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finops_tui.content.errors import ContentError
from finops_tui.content.levels import list_levels, load_level
from finops_tui.content.plans import check_plan_file, is_plan_file
from finops_tui.engine.level import Level


def levels(args: argparse.Namespace) -> int:
    infos = list_levels()
    if args.json:
        rows = [
            {
                "id": i.id,
                "title": i.title,
                "difficulty": i.difficulty,
                "turns": i.turns,
                "quiz": i.quiz,
            }
            for i in infos
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(i.id) for i in infos), default=2)
    for i in infos:
        print(f"{i.id:<{width}}  {i.difficulty:<6}  {i.turns:>2} turns  {i.title}")
    return 0


def validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.paths:
        path = Path(name)
        if is_plan_file(path):  # turns and the level they are for: checked on that level
            failed = not _plan_is_valid(path) or failed
            continue
        try:
            check_file(path)
        except ContentError as exc:
            failed = True
            for problem in exc.problems:
                print(problem)
            continue
        print(f"{path}: ok")
    return 1 if failed else 0


def check_file(path: Path) -> None:
    """A level, or a course (a file with a `[course]` table): ContentError if it is wrong."""
    from finops_tui.content.files import read_toml
    from finops_tui.gameplay.course import course_from_data, is_course_data

    data = read_toml(path)
    if is_course_data(data):
        course_from_data(path, data)
    else:
        load_level(path)


def schema(args: argparse.Namespace) -> int:
    print(json.dumps(level_schema(), indent=2))
    return 0


def level_schema() -> dict:
    schema = Level.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "finops-tui level"
    return schema


def _plan_is_valid(path: Path) -> bool:
    """Print a plan file's problems (or that it is ok); whether it is."""
    try:
        problems = check_plan_file(path)
    except ContentError as exc:
        problems = exc.problems
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{path}: ok")
    return not problems
