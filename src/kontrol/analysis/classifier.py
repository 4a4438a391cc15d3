"""The text model: contact reasons learned from interactions that have one.

Character n-grams within words (3 to 5 letters) weighted by TF-IDF, and a
multinomial logistic regression (scikit-learn). Character n-grams carry Russian
word endings without a morphological dictionary and work the same in English.
The model is kept as JSON (vocabulary, idf, weights), never as a pickle, so the
database holds no executable state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kontrol.analysis.phrases import normalize

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# numpy and scikit-learn are imported where a model is learned or used, not here:
# every process that loads the event subscribers (each import, each worker) imports
# this module, and scikit-learn alone takes seconds to import.

# Fewer examples than this (or fewer than two reasons) and no model is learned.
MIN_SAMPLES = 20
MAX_FEATURES = 6000
# Below this probability the model abstains: no reason rather than a guess.
MIN_CONFIDENCE = 0.5


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        min_df=1 if vocabulary is not None else 2,
        max_features=None if vocabulary is not None else MAX_FEATURES,
        sublinear_tf=True,
        preprocessor=normalize,
        vocabulary=vocabulary,
    )


@dataclass
class ReasonModel:
    """A trained classifier: its classes, vocabulary, idf and weights."""

    classes: list[str]
    vocabulary: dict[str, int]
    idf: list[float]
    coef: list[list[float]]
    intercept: list[float]
    samples: int
    accuracy: float | None = None

    def to_json(self) -> str:
        """The model as JSON text (weights rounded to 6 digits)."""
        return json.dumps(
            {
                "classes": self.classes,
                "vocabulary": self.vocabulary,
                "idf": [round(v, 6) for v in self.idf],
                "coef": [[round(v, 6) for v in row] for row in self.coef],
                "intercept": [round(v, 6) for v in self.intercept],
                "samples": self.samples,
                "accuracy": self.accuracy,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ReasonModel:
        """A model saved by :meth:`to_json`."""
        data: dict[str, Any] = json.loads(text)
        return cls(
            classes=list(data["classes"]),
            vocabulary={str(k): int(v) for k, v in data["vocabulary"].items()},
            idf=list(data["idf"]),
            coef=list(data["coef"]),
            intercept=list(data["intercept"]),
            samples=int(data["samples"]),
            accuracy=data.get("accuracy"),
        )

    def predict(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        """The most likely class of each text with its probability; None below the bar."""
        if not texts:
            return []
        import numpy as np

        vectorizer = _vectorizer(self.vocabulary)
        vectorizer.idf_ = np.asarray(self.idf)
        matrix = vectorizer.transform(list(texts))
        scores = matrix @ np.asarray(self.coef).T + np.asarray(self.intercept)
        if len(self.classes) == 2 and scores.shape[1] == 1:
            scores = np.hstack([-scores, scores])
        scores = scores - scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        found: list[tuple[str | None, float]] = []
        for row in probabilities:
            best = int(row.argmax())
            probability = float(row[best])
            found.append(
                (self.classes[best] if probability >= MIN_CONFIDENCE else None, probability)
            )
        return found


def train_model(texts: Sequence[str], labels: Sequence[str]) -> ReasonModel | None:
    """Learn a model from labelled texts; None when there is too little to learn from.

    The accuracy is measured on every fifth example held out, then the model
    is learned again from all of them.
    """
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        return None
    held = list(range(0, len(texts), 5))
    kept = [i for i in range(len(texts)) if i % 5 != 0]
    accuracy = None
    if len({labels[i] for i in kept}) >= 2:
        trial = _fit([texts[i] for i in kept], [labels[i] for i in kept])
        guesses = trial.predict([texts[i] for i in held])
        accuracy = sum(g == labels[i] for (g, _), i in zip(guesses, held, strict=True)) / len(held)
    model = _fit(texts, labels)
    model.accuracy = accuracy
    return model


def _fit(texts: Sequence[str], labels: Sequence[str]) -> ReasonModel:
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer()
    matrix = vectorizer.fit_transform(list(texts))
    classifier = LogisticRegression(max_iter=2000, C=8.0)
    classifier.fit(matrix, list(labels))
    return ReasonModel(
        classes=[str(c) for c in classifier.classes_],
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=[float(v) for v in vectorizer.idf_],
        coef=[[float(v) for v in row] for row in classifier.coef_],
        intercept=[float(v) for v in classifier.intercept_],
        samples=len(texts),
    )
