"""The NLU: one utterance in, a ranked intent and entities out."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from intents.classifier import IntentClassifier, Progress
from intents.entities.extractor import EntityExtractor
from intents.result import Entity, IntentScore, ParseResult
from intents.training_data import TrainingData

DEFAULT_THRESHOLD = 0.5
# Nobody types a 10,000-character banking request; reading only the start
# keeps a pasted essay from costing more than an ordinary message.
MAX_CHARS = 1_000
OUT_OF_SCOPE = "out_of_scope"

# Numbers, dates and tickers vary endlessly; the classifier should learn
# "buy <quantity> <symbol>" rather than memorise "10" and "INFY".
_PLACEHOLDERS = {
    "amount": "zamount",
    "price": "zprice",
    "quantity": "zqty",
    "count": "zcount",
    "percentage": "zpercent",
    "date": "zdate",
    "date_range": "zdate",
    "symbol": "zsymbol",
}


# Script injection and SQL are never a banking request; treating them as out
# of scope up front keeps a word like "alert" inside them from looking like one.
_CODE = re.compile(
    r"<\s*(?:script|iframe|img|svg|object)\b|javascript:|\bon\w+\s*=|"
    r"\b(?:select\s+.+\s+from|insert\s+into|drop\s+table|delete\s+from|union\s+select)\b"
    r"|;\s*--|'\s*or\s+'?1'?\s*=\s*'?1",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")


def looks_like_code(text: str) -> bool:
    return _CODE.search(text) is not None


def strip_tags(text: str) -> str:
    """Blank out HTML tags with spaces so offsets still index the original."""
    if "<" not in text:
        return text
    return _TAG.sub(lambda m: " " * len(m.group()), text)


# A letter or digit of any script: exactly the characters str.isalnum() accepts.
_ALNUM = re.compile(r"[^\W_]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def clean(text: str) -> str:
    """Blank out terminal escapes, control and format characters, keeping offsets."""
    if text.isascii() and text.isprintable():
        return text  # the usual message: no escape, control or format character
    text = _ANSI.sub(lambda m: " " * len(m.group()), text)
    return "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Cs"} else ch for ch in text)


def classifier_text(text: str, entities: list[Entity] | tuple[Entity, ...]) -> str:
    """``text`` with number, date and symbol mentions replaced by placeholders."""
    parts: list[str] = []
    last = 0
    for e in entities:
        placeholder = _PLACEHOLDERS.get(e.type)
        if placeholder is None or e.start < last:
            continue
        parts += [text[last : e.start], f" {placeholder} "]
        last = e.end
    parts.append(text[last:])
    return "".join(parts).lower()


class NLU:
    """Text -> intent ranking + entities. Pure: no I/O, no clock of its own."""

    def __init__(
        self,
        classifier: IntentClassifier,
        extractor: EntityExtractor,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.classifier = classifier
        self.extractor = extractor
        self.threshold = threshold

    @classmethod
    def train(
        cls,
        data: TrainingData,
        progress: Progress | None = None,
        classifier: IntentClassifier | None = None,
    ) -> NLU:
        say = progress or (lambda _: None)
        say("building entity matchers")
        extractor = EntityExtractor(data.synonyms, data.vocabulary())
        today = datetime(2024, 1, 15).date()  # dates become placeholders; any day will do
        texts = [classifier_text(t, extractor.extract(clean(t), today)) for t in data.texts]
        model = (classifier or IntentClassifier()).fit(texts, data.labels, progress)
        return cls(model, extractor)

    def parse(self, text: str, now: datetime | None = None) -> ParseResult:
        """Parse one utterance; ``now`` anchors relative dates (default: UTC now)."""
        today = (now or datetime.now(UTC)).date()
        head = text[:MAX_CHARS]
        visible = strip_tags(clean(head))
        if _ALNUM.search(visible) is None or looks_like_code(head):
            nothing = IntentScore(OUT_OF_SCOPE, 1.0)
            return ParseResult(text, nothing, (nothing,), (), self.threshold)
        entities = tuple(self.extractor.extract(visible, today))
        ranking = tuple(
            IntentScore(name, conf)
            for name, conf in self.classifier.rank(classifier_text(visible, entities))
        )
        return ParseResult(text, ranking[0], ranking, entities, self.threshold)
