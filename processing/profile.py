"""The seed corpus as a relevance signal: a small vocabulary profile and a cosine against it.

The five seeds define the beat. Words that occur in several seeds (Loekasjenko, Poetin, Minsk,
bondgenoot, troepen …) form the profile; an article whose vocabulary overlaps it gets a bonus
on top of its rule score. Pure functions: the caller reads the seed files.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from itertools import islice

from processing.normalize import fold

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)

# Frequent Dutch function words that carry no topic (4+ letters; shorter ones never count).
_STOPWORD_TEXT = """
    aan alle alleen alles als andere maar meer meest moet moeten niet nog omdat onder ook over
    eerder eens echter tegen toen tot uit veel voor waar want wat werd werden weer wel wie wil
    willen word wordt worden zal zou zouden zegt zich zijn zien zonder deze dit die dat door dan
    daar daarmee daarom heeft hebben hadden heel hier hoe haar hun hem hij niets geen geweest
    iets jaar jaren kan kon konden kunnen laat laten liet lijkt moest naar nieuwe onze ons over
    sinds tussen vanaf vanuit volgens vooral waren wordt zelf zelfs zeker zoals zegt zei twee
    drie eigen enkele gaan gaat ging komen komt kwam maakt maken mensen misschien andere elke
    this that with from have were been also they their which would about there what when
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def content_words(text: str, limit: int | None = None) -> list[str]:
    """Folded words of four or more letters that are not stop words (only the first ``limit``
    when given: a lead needs no scan of the whole text)."""
    if limit is None:
        return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
    words = (m.group() for m in _WORD.finditer(fold(text)))
    return list(islice((w for w in words if w not in STOPWORDS), limit))


def build_profile(texts: Iterable[str], min_docs: int = 2, size: int = 150) -> dict[str, float]:
    """Words shared by at least ``min_docs`` seed texts, weighted by spread and frequency."""
    doc_freq: Counter[str] = Counter()
    term_freq: Counter[str] = Counter()
    for text in texts:
        words = content_words(text)
        term_freq.update(words)
        doc_freq.update(set(words))
    weights = {
        word: df * (1.0 + math.log(term_freq[word]))
        for word, df in doc_freq.items()
        if df >= min_docs
    }
    best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
    return dict(best)


def profile_similarity(profile: dict[str, float], text: str) -> float:
    """Cosine between the text's (log-scaled) word counts and the profile, in [0, 1]."""
    if not profile:
        return 0.0
    counts = Counter(content_words(text))
    if not counts:
        return 0.0
    vec = {w: 1.0 + math.log(c) for w, c in counts.items()}
    dot = sum(vec[w] * weight for w, weight in profile.items() if w in vec)
    if dot == 0.0:
        return 0.0
    norm_text = math.sqrt(sum(v * v for v in vec.values()))
    norm_profile = math.sqrt(sum(v * v for v in profile.values()))
    return dot / (norm_text * norm_profile)
