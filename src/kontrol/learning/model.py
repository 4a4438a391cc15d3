"""The learned model of one criterion: words and lemmas by speaker, logistic regression.

Each message becomes tokens prefixed by who spoke (``a`` agent, ``c`` customer,
``o`` anyone else): the word as written (folded), its lemma (checks/text.py:
pymorphy3 for Russian, Snowball for English) and pairs of neighbouring lemmas.
The first token carries the rule's own verdict (``rule:pass``): it becomes one
dense feature (+1 pass, -1 fail, 0 otherwise) scaled well above the TF-IDF
columns (which are normalised per conversation), so the regularised model leans
on the rule and the words only have to learn where reviewers part from it.
TF-IDF weights and a binary logistic regression (scikit-learn) give the
probability of "pass".
The model is stored as JSON (vocabulary, idf, weights), never as a pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kontrol.checks.text import detect_language, fold, lemmatizer, mask, words_of

PASS, FAIL = "pass", "fail"
SPEAKERS = {"agent": "a", "customer": "c"}
MAX_FEATURES = 20_000
# Regularisation: small workspaces have a few hundred reviews, keep the weights modest.
STRENGTH = 2.0
# The rule's verdict as a feature, this many times a word's scale (see above).
RULE_SCALE = 4.0
RULE_VALUES = {"rule:pass": 1.0, "rule:fail": -1.0}

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# numpy, scipy and scikit-learn are imported where a model is learned or used:
# every command that loads the subscribers (``kontrol score``, ``kontrol import``)
# would otherwise pay seconds of start-up for them.


def conversation_tokens(lines: Sequence[tuple[str, str]], rule: str | None) -> list[str]:
    """The tokens of a conversation given as (role, text) lines and the rule's verdict."""
    return with_rule(text_tokens(lines), rule)


def with_rule(words: Sequence[str], rule: str | None) -> list[str]:
    """A conversation's tokens: the rule's verdict first, then its :func:`text_tokens`.

    The words do not depend on the criterion: a training or a prediction makes them
    once per conversation and adds each criterion's rule verdict here.
    """
    return [f"rule:{rule or 'none'}", *words]


def text_tokens(lines: Sequence[tuple[str, str]]) -> list[str]:
    """The words, lemmas and lemma pairs by speaker of a conversation's (role, text) lines."""
    language = detect_language(text for _, text in lines)
    reducer = lemmatizer(language)
    tokens: list[str] = []
    for role, text in lines:
        speaker = SPEAKERS.get(role, "o")
        words = words_of(mask(text or ""))
        if not words:
            continue
        lemmas = reducer.lemmas(words)
        tokens.extend(f"{speaker}:{fold(word)}" for word in words)
        tokens.extend(f"{speaker}~{lemma}" for lemma in lemmas)
        tokens.extend(f"{speaker}~{a}_{b}" for a, b in zip(lemmas, lemmas[1:], strict=False))
    return tokens


def _as_given(tokens: list[str]) -> list[str]:
    """The analyzer: the tokens are made already."""
    return tokens


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=_as_given,
        sublinear_tf=True,
        min_df=1,
        max_features=None if vocabulary is not None else MAX_FEATURES,
        vocabulary=vocabulary,
    )


def _matrix(vectorizer: TfidfVectorizer, documents: Sequence[list[str]], *, fitting: bool) -> Any:
    """The TF-IDF columns of the words and, last, the rule's column."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    words = [doc[1:] if doc and doc[0].startswith("rule:") else doc for doc in documents]
    rule = [[RULE_SCALE * RULE_VALUES.get(doc[0], 0.0) if doc else 0.0] for doc in documents]
    tfidf = vectorizer.fit_transform(words) if fitting else vectorizer.transform(words)
    return hstack([tfidf, csr_matrix(np.asarray(rule))]).tocsr()


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    """What the model says of one conversation."""

    verdict: str
    probability: float

    @property
    def margin(self) -> float:
        """How sure: 0 is a coin toss, 1 certainty."""
        return round(abs(2.0 * self.probability - 1.0), 6)


@dataclass(frozen=True, slots=True)
class CriterionModel:
    """A trained model: vocabulary, idf, weights (class "pass" is the positive one)."""

    vocabulary: dict[str, int]
    idf: list[float]
    coef: list[float]
    intercept: float

    def to_json(self) -> str:
        """The model as JSON text (weights rounded to 6 digits)."""
        return json.dumps(
            {
                "kind": "tfidf-logistic/2",
                "vocabulary": self.vocabulary,
                "idf": [round(v, 6) for v in self.idf],
                "coef": [round(v, 6) for v in self.coef],
                "intercept": round(self.intercept, 6),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> CriterionModel:
        """A model written by :meth:`to_json`."""
        data: dict[str, Any] = json.loads(text)
        return cls(
            vocabulary={str(k): int(v) for k, v in data["vocabulary"].items()},
            idf=[float(v) for v in data["idf"]],
            coef=[float(v) for v in data["coef"]],
            intercept=float(data["intercept"]),
        )

    def judge(self, documents: Sequence[list[str]]) -> list[ModelVerdict]:
        """The verdict of each tokenised conversation."""
        if not documents:
            return []
        import numpy as np

        vectorizer = _vectorizer(self.vocabulary)
        vectorizer.idf_ = np.asarray(self.idf)
        return self.verdicts(_matrix(vectorizer, documents, fitting=False))

    def verdicts(self, matrix: Any) -> list[ModelVerdict]:
        """The verdicts of the rows of a matrix of TF-IDF columns and the rule's column."""
        import numpy as np

        scores = matrix @ np.asarray(self.coef) + self.intercept
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(scores, -30.0, 30.0)))
        return [ModelVerdict(PASS if p >= 0.5 else FAIL, round(float(p), 6)) for p in probabilities]

    def strongest(self, count: int = 8) -> tuple[list[str], list[str]]:
        """The tokens that most push towards pass and towards fail (for the page)."""
        import numpy as np

        names = [*sorted(self.vocabulary, key=self.vocabulary.__getitem__), "rule"]
        order = np.argsort(np.asarray(self.coef))
        fail = [names[i] for i in order[:count] if self.coef[i] < 0]
        passing = [names[i] for i in order[::-1][:count] if self.coef[i] > 0]
        return passing, fail


class CountedBatch:
    """Conversations' words (:func:`text_tokens`) counted once, judged by many models.

    Counting the tokens of each conversation was most of a model's verdicts, done
    again for every criterion. Here each model takes the columns of its own
    vocabulary from the shared counts; the TF-IDF weighting that follows is
    scikit-learn's, step by step (:meth:`CriterionModel.judge` gives the same).
    """

    def __init__(self, words: Sequence[Sequence[str]]) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self.size = len(words)
        self.counts: Any = None
        self.columns: dict[str, int] = {}
        if any(words):
            counter = CountVectorizer(analyzer=_as_given, dtype=float)
            self.counts = counter.fit_transform([list(w) for w in words]).tocsc()
            self.columns = {str(k): int(v) for k, v in counter.vocabulary_.items()}

    def _tfidf(self, model: CriterionModel) -> Any:
        import numpy as np
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        pairs = [
            (column, index)
            for token, index in model.vocabulary.items()
            if (column := self.columns.get(token)) is not None
        ]
        shape = (self.size, len(model.vocabulary))
        if not pairs or self.counts is None:
            return csr_matrix(shape, dtype=float)
        ours = np.asarray([c for c, _ in pairs])
        theirs = np.asarray([i for _, i in pairs])
        picked = self.counts[:, ours].tocoo()
        matrix = csr_matrix((picked.data, (picked.row, theirs[picked.col])), shape=shape)
        matrix.sort_indices()
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
        matrix.data *= np.asarray(model.idf)[matrix.indices]
        return normalize(matrix, norm="l2", copy=False)

    def judge(
        self, model: CriterionModel, rows: Sequence[int], rules: Sequence[str | None]
    ) -> list[ModelVerdict]:
        """The model's verdict on these conversations (by position) with the rule's verdicts."""
        if not rows:
            return []
        import numpy as np
        from scipy.sparse import csr_matrix, hstack

        tfidf = self._tfidf(model)[np.asarray(rows)]
        rule = [[RULE_SCALE * RULE_VALUES.get(f"rule:{r or 'none'}", 0.0)] for r in rules]
        matrix = hstack([tfidf, csr_matrix(np.asarray(rule))]).tocsr()
        return model.verdicts(matrix)


def fit(documents: Sequence[list[str]], labels: Sequence[str]) -> CriterionModel:
    """Learn from tokenised conversations and the reviewers' pass/fail (both must occur)."""
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer()
    matrix = _matrix(vectorizer, documents, fitting=True)
    classifier = LogisticRegression(max_iter=2000, C=STRENGTH, class_weight="balanced")
    classifier.fit(matrix, [1 if label == PASS else 0 for label in labels])
    return CriterionModel(
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=[float(v) for v in vectorizer.idf_],
        coef=[float(v) for v in classifier.coef_[0]],
        intercept=float(classifier.intercept_[0]),
    )
