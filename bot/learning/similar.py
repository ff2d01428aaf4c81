"""When two messages ask the same question: the retrieval's words, weighted by their rarity.

Messages are read as the retrieval ranker reads them (bot/understanding/retrieval.py): stems,
typos repaired and Dutch compounds split against the training vocabulary. Two messages are
alike when the words they share carry most of their weight; a word's weight is its inverse
document frequency in the training examples, so "ik", "de" and "kan" count for little and
"hond" or "parkeren" for much. A word never seen in training weighs most of all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from bot.understanding.nlu_files import examples
from bot.understanding.retrieval import Index

SAME_QUESTION = 0.5  # weighted share of words two messages must have in common
REMEMBERED = 10_000  # messages whose words are kept


class Similarity:
    """Compares messages; built once from a corpus of training examples."""

    def __init__(self, corpus: Iterable[str]) -> None:
        texts = list(corpus)
        self._index = Index(examples=[("", text) for text in texts])
        frequency: Counter[str] = Counter()
        for text in texts:
            frequency.update(set(self._index.tokens(text)))
        total = len(texts)
        self._idf = {
            word: math.log(1 + (total - seen + 0.5) / (seen + 0.5))
            for word, seen in frequency.items()
        }
        self._unseen = math.log(1 + (total + 0.5) / 0.5)
        self._seen: dict[str, frozenset[str]] = {}

    def words(self, text: str) -> frozenset[str]:
        """The message as a set of normalised words (remembered: groups are compared often)."""
        found = self._seen.get(text)
        if found is None:
            if len(self._seen) >= REMEMBERED:
                self._seen.clear()
            found = self._seen[text] = frozenset(self._index.tokens(text))
        return found

    def _weight(self, words: frozenset[str]) -> float:
        return sum(self._idf.get(word, self._unseen) for word in words)

    def score(self, first: frozenset[str], second: frozenset[str]) -> float:
        """0.0 (nothing in common) to 1.0 (the same words), rare words counting most."""
        total = self._weight(first) + self._weight(second)
        return 2 * self._weight(first & second) / total if total else 0.0

    def best(self, text: str, candidates: Iterable[tuple[int, str]]) -> tuple[int, float] | None:
        """The candidate id whose text is most like `text`, when it is alike enough."""
        asked = self.words(text)
        found: tuple[int, float] | None = None
        for key, other in candidates:
            score = self.score(asked, self.words(other))
            if score >= SAME_QUESTION and (found is None or score > found[1]):
                found = (key, score)
        return found


@lru_cache(maxsize=1)
def from_training_data() -> Similarity:
    """The similarity of Tekkie's own NLU training examples (built once per process)."""
    return Similarity(text for _, text in examples())
