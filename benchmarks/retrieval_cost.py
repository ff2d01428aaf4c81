"""What the retrieval ranker adds to every turn: building its index, and ranking one message.

    python -m benchmarks.retrieval_cost

Builds the index from the NLU training data (as Rasa does when it loads the model) and ranks
every 20th training example plus a few messy ones; prints the median, p95 and max per message.
"""

from __future__ import annotations

import statistics
import time

from bot.understanding.nlu_files import examples
from bot.understanding.retrieval import Index

MESSY = [
    "hoi ik ben fatima en ik wil graag wetn wat de opleidng kost",
    "qwrtz plorf",
    "wat is het adres van jullie schooll",
    "can i get a laptop from u guys for the course pls",
]


def training_examples() -> list[tuple[str, str]]:
    """(intent, text) of every NLU training example."""
    return list(examples())


def main() -> int:
    """Print the index's build time and the time to rank one message."""
    examples = training_examples()
    started = time.perf_counter()
    index = Index(examples)
    built = (time.perf_counter() - started) * 1000
    times = []
    for text in [text for _, text in examples[::20]] + MESSY:
        started = time.perf_counter()
        index.rank(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"{len(examples)} examples; index built in {built:.0f} ms")
    print(f"rank one message  n={len(times)}  median={statistics.median(times):.2f} ms  "
          f"p95={times[int(len(times) * 0.95)]:.2f} ms  max={times[-1]:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
