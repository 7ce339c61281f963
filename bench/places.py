"""Finding the school a child names, in a national directory.

    python -m bench.places [--schools 20000] [--repeat 300]

On a fresh SQLite database with the demo regions and ``--schools`` schools with made-up
two-word names, times ``casework.places.matching.find_place`` on what children write (an
answer naming a school with a typo, one in Cyrillic, a region only, a long story that says
"school", a story that does not) against the baseline: the same session looking one school up
by its code (an indexed equality, the fastest plain way to find a school). Prints the median
time of each and its ratio to the baseline, after the first call (which builds the index
once per process) is timed on its own.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bench.common import prepare_database
from casework.places.matching import find_place
from casework.places.models import Region, School
from hotline.runtime.database import Database, make_engine

TEXTS = {
    "answer with a typo": "Riversde primary",
    "answer in Cyrillic": "училище Ривърсайд",
    "region only": "my school in the north",
    "story saying school": "my teacher at school hits us every day with a stick and shouts",
    "story, no school word": "she hit me at sunrise near the coast and now I am scared",
}
SYLLABLES = ["ka", "lo", "ri", "ven", "mar", "to", "sel", "din", "bo", "ra", "nis", "tal"]
KINDS = ["Primary School", "Secondary School", "High School", "Academy"]


def _directory(db: Database, schools: int, rng: random.Random) -> None:
    def add(s):  # type: ignore[no-untyped-def]
        regions = list(s.scalars(select(Region.id)))
        s.add_all(
            School(
                code=f"gen-{n:06d}",
                name=" ".join(
                    "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
                    for _ in range(rng.randint(1, 2))
                )
                + " "
                + rng.choice(KINDS),
                region_id=rng.choice(regions),
            )
            for n in range(schools)
        )

    db.run(add, write=True)


def _median_us(db: Database, call: Callable[[object], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        db.run(call, write=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'places.db'}"
        prepare_database(url)
        db = Database(make_engine(url, pool_size=2, max_overflow=0))
        _directory(db, args.schools, random.Random(13))
        start = time.perf_counter()
        db.run(lambda s: find_place(s, "warm up"), write=False)
        print(f"{args.schools} schools; index built in {time.perf_counter() - start:.2f} s")
        baseline = _median_us(
            db,
            lambda s: s.scalar(select(School.id).where(School.code == "gen-001234")),  # type: ignore[attr-defined]
            args.repeat,
        )
        print(f"{'baseline: one school by its code':<36} {baseline:9.0f} us   1.0x")
        for label, text in TEXTS.items():
            took = _median_us(
                db,
                lambda s, text=text, loose="story" not in label: find_place(s, text, loose=loose),  # type: ignore[misc]
                args.repeat,
            )
            print(f"{label:<36} {took:9.0f} us {took / baseline:6.1f}x")
        db.dispose()


if __name__ == "__main__":
    main()
