"""A second way to understand a question: find the training examples that share its words.

DIET is sure of some messages it has never seen anything like ("what's your address" as a
question about jobs, 0.98). This index looks at the words themselves: every NLU example is a
document, words are reduced to their stem by Snowball's Dutch and English stemmers, typos
are mapped to a known word with rapidfuzz, and a Dutch compound Tekkie does not know is split
into two words it does know ("intakegesprek" -> "intake" + "gesprek"). BM25 then scores each
intent by its best example.

`coverage` is that best score divided by the score the message would get against itself: 1.0
means an example holds every word of the message, 0.0 that no word of it was ever seen for
the intent. Unknown words count fully against the message, so "maak een rijmpje over mijn
buurvrouw" finds little anywhere, whatever DIET thinks of it.

Runs in Rasa's Python 3.10 as well as the app's: no imports from the rest of `bot`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

WORD = re.compile(r"[^\W_]+", re.UNICODE)
TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")  # "10:30", "14.00": a slot, not a topic
MAX_REPAIR_LENGTH = 30  # longer "words" are not typos or compounds (and splitting is quadratic)
_STEMMERS = (snowballstemmer.stemmer("dutch"), snowballstemmer.stemmer("english"))
TYPO_CUTOFF = 80.0  # rapidfuzz ratio: one wrong letter in a word of 5 or more ("laptob")
MIN_FUZZY_LENGTH = 4  # shorter words are too easily something else ("kan" / "kun")
MIN_PART = 3  # each half of a split compound
TOPIC_SHARE = 0.5  # a word is an answer's topic when most examples with it are that answer's
LINKS = ("", "s", "e", "en")  # Dutch linking sounds: "beroeps-", "studie-", "boeken-"


def words(text: str) -> list[str]:
    """Lower-case words without accents ("één" -> "een"); times ("10:30") are left out."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return WORD.findall(TIME.sub(" ", plain))


def token(word: str) -> str | None:
    """A word as the index sees it: its stem, or None for a number that tells nothing.

    An age-like number is "#2" ("52" ~ "50"); other numbers ("2", "2026") are left out.
    """
    if word.isdigit():
        return "#2" if len(word) == 2 else None
    return stem(word)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The shorter of the Dutch and English stems: one form for "opleiding(en)", "costs"."""
    stems: list[str] = [stemmer.stemWord(word) for stemmer in _STEMMERS]
    return min(stems, key=len)


@dataclass(frozen=True)
class Match:
    """How well one intent's best example covers the message."""

    intent: str  # the full name, with its retrieval part: "fact/address"
    coverage: float
    example: str


@dataclass
class Index:
    """BM25 over stemmed training examples, with typo and compound repair for queries."""

    examples: list[tuple[str, str]]  # (full intent, example text)
    _bm25: BM25Okapi = field(init=False, repr=False)
    _vocabulary: set[str] = field(init=False, repr=False)
    _known_words: list[str] = field(init=False, repr=False)
    _intents_of: dict[str, Counter[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Build the index; an empty set of examples gives an index that finds nothing."""
        documents = [
            [found for word in words(text) if (found := token(word))] or ["\x00"]
            for _, text in self.examples
        ]
        self._bm25 = BM25Okapi(documents or [["\x00"]])
        self._vocabulary = {token for document in documents for token in document}
        raw = {word for _, text in self.examples for word in words(text)}
        self._known_words = sorted(word for word in raw if len(word) >= MIN_FUZZY_LENGTH)
        self._intents_of = defaultdict(Counter)
        for (intent, _), document in zip(self.examples, documents, strict=True):
            for stemmed in set(document):
                self._intents_of[stemmed][intent] += 1

    def tokens(self, text: str) -> list[str]:
        """The message's stems, with misspelt words and unknown compounds repaired."""
        result: list[str] = []
        for word in words(text):
            known = token(word)
            if known is None:
                continue
            if known in self._vocabulary or len(word) > MAX_REPAIR_LENGTH:
                result.append(known)
            else:
                result.extend(self._repair(word) or [known])
        return result

    def _repair(self, word: str) -> list[str]:
        parts = self._split(word)
        if parts:
            return parts
        if len(word) < MIN_FUZZY_LENGTH:
            return []
        found = process.extractOne(
            word, self._known_words, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
        )
        return [stem(found[0])] if found else []

    def _split(self, word: str) -> list[str]:
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            tail_stem = stem(tail)
            if tail_stem not in self._vocabulary:
                continue
            for link in LINKS:
                if link and not head.endswith(link):
                    continue
                base = head[: len(head) - len(link)] if link else head
                if len(base) >= MIN_PART and stem(base) in self._vocabulary:
                    return [stem(base), tail_stem]
        return []

    def topic_words(self, tokens: list[str], intent: str) -> set[str]:
        """The stems among `tokens` that mostly occur in `intent`'s examples ("diploma")."""
        found = set()
        for token in tokens:
            where = self._intents_of.get(token)
            if where and where[intent] > TOPIC_SHARE * sum(where.values()):
                found.add(token)
        return found

    def _self_score(self, tokens: list[str]) -> float:
        """BM25 of the message (each word once) against a document that is exactly it."""
        bm25 = self._bm25
        idf: dict[str, float] = bm25.idf
        unseen = max(idf.values(), default=1.0)
        k1, b, average = float(bm25.k1), float(bm25.b), float(bm25.avgdl)
        norm = k1 * (1 - b + b * len(tokens) / average)
        return sum(idf.get(token, unseen) * (k1 + 1) / (1 + norm) for token in tokens)

    def rank(self, text: str) -> list[Match]:
        """Every intent with at least one shared word, best coverage first."""
        return self.ranked(self.tokens(text))

    def ranked(self, tokens: list[str]) -> list[Match]:
        """`rank` for a message already turned into tokens (`tokens`)."""
        tokens = list(dict.fromkeys(tokens))  # "hoi hoi" is one word, not two
        if not tokens:
            return []
        ceiling = self._self_score(tokens)
        if ceiling <= 0:
            return []
        best: dict[str, tuple[float, str]] = {}
        for (intent, example), score in zip(
            self.examples, self._bm25.get_scores(tokens), strict=True
        ):
            if score > best.get(intent, (0.0, ""))[0]:
                best[intent] = (float(score), example)
        matches = [
            Match(intent, min(1.0, score / ceiling), example)
            for intent, (score, example) in best.items()
            if not math.isclose(score, 0.0)
        ]
        return sorted(matches, key=lambda match: match.coverage, reverse=True)


# Where one question ends and the next begins: "ik ben 52 en heb geen diploma".
CLAUSE = re.compile(r"[,;.?!]+|\s(?:en|maar|ook|and|but|also)\s", re.IGNORECASE)
ALSO_COVERAGE = 0.5  # the other part must match its own answer this well
TIE = 0.05  # "ik ben 52" fits the age worry and who may join equally


def second_answer(
    index: Index, text: str, *, first: str | None, matches: list[Match]
) -> Match | None:
    """A compound question's other part: a clause that brings its own topic and answer.

    "ik ben 52 en heb geen diploma" is answered as the age worry; the clause "heb geen diploma"
    matches the diploma worry well and holds "diploma", a word of that answer's own (most
    examples with it are the diploma worry's) that the age example lacks: that one is answered
    too. "ik heb geen diploma, kan ik toch meedoen" is one question: "kan ik toch meedoen"
    belongs to no answer in particular. `matches` is `index.rank(text)`, already at hand.
    """
    parts = [part for part in CLAUSE.split(text) if len(words(part)) >= 2]
    if first is None or len(parts) < 2:
        return None
    explained = next((m for m in matches if m.intent == first), None)
    if explained is None:
        return None
    seen = set(index.tokens(explained.example))
    best: Match | None = None
    understood = False  # some clause is the first answer's, or that answer was a misreading
    for part in parts:
        tokens = index.tokens(part)
        ranked = index.ranked(tokens)
        if ranked and any(m.intent == first and m.coverage >= ranked[0].coverage - TIE
                          for m in ranked):  # fmt: skip
            understood = True
            continue
        if not ranked or "/" not in ranked[0].intent:
            continue
        top = ranked[0]
        new = set(tokens) - seen
        if top.coverage >= ALSO_COVERAGE and new & index.topic_words(tokens, top.intent):
            best = top if best is None or top.coverage > best.coverage else best
    return best if understood else None


def by_intent(matches: list[Match]) -> dict[str, float]:
    """The best coverage per top-level intent: "fact/address" counts for "fact"."""
    coverage: dict[str, float] = {}
    for match in matches:
        top = match.intent.split("/", 1)[0]
        coverage[top] = max(coverage.get(top, 0.0), match.coverage)
    return coverage


def combine(
    diet: dict[str, float], coverage: dict[str, float], *, weight: float
) -> dict[str, float]:
    """One confidence per intent: DIET's, pulled towards how much of the message it covers.

    `weight` 0 keeps DIET as it is; 0.5 lets an intent that shares no word with the message
    keep only half of DIET's confidence, which the fallback threshold then catches.
    """
    return {
        intent: (1 - weight) * confidence + weight * coverage.get(intent, 0.0)
        for intent, confidence in diet.items()
    }
