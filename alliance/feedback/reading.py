"""What the coach's language model makes of a reflection's sentences.

A small sentence encoder (all-MiniLM-L6-v2, six layers, fine-tuned on the labelled
reflections of tests/feedback/ by ``bench/train_coach.py`` and quantised to 8 bits) reads
each sentence once and turns it into a vector of what it means. Three small linear heads
then decide:

- blame and absolute, per sentence, from the sentence's vector beside the one before it,
  the one after it and the whole text's average ("That's not fair to me" after an
  accusation reads differently than alone, and "Great." differently before "Thanks to you
  the weekend is gone.");
- the negative opening, from the first sentence's vector beside the strongest and the
  average of the others' (a hard start before warm text, not a text hard all through).

The encoder runs through ONNX Runtime on the CPU, one thread, from files shipped inside
the package: nothing is downloaded. Its weights and tokenizer derive from all-MiniLM-L6-v2
by the sentence-transformers authors, under the Apache License 2.0.

A sentence's vector depends on that sentence alone, so vectors are kept per sentence, and a
text reviewed again as someone types pays only for the sentences that changed. What the
heads make of a sentence can change as the text after it is written, as a reader's would.
"""

import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

if TYPE_CHECKING:
    from functools import _lru_cache_wrapper

HERE = Path(__file__).parent
ENCODER = HERE / "reader.onnx"
TOKENIZER = HERE / "reader_tokenizer.json"
HEADS = HERE / "reader_heads.json"
# Word pieces read of one sentence; the rest of a longer one is not read.
MAX_TOKENS = 96
# Sentence vectors kept per process (each 384 floats, about 1.5 kB).
KEPT_VECTORS = 4096


@dataclass(frozen=True)
class Reading:
    """Probabilities: per sentence that it blames and that it sweeps in a complaint, and
    that the text opens negatively (None under two sentences, where there is no opening
    to move)."""

    blame: list[float]
    absolute: list[float]
    negative_opening: float | None


@dataclass(frozen=True)
class Head:
    weights: np.ndarray
    bias: np.ndarray

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        """Probabilities; the logistic function written with tanh never overflows."""
        return 0.5 * (1.0 + np.tanh(0.5 * (vector @ self.weights.T + self.bias)))


@dataclass
class Model:
    """The encoder, its tokenizer and heads, and the sentence vectors it has made."""

    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    sentence: Head
    opening: Head
    thresholds: dict[str, float]
    kept_vectors: int = KEPT_VECTORS
    vector: "_lru_cache_wrapper[np.ndarray]" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A sentence's vector depends on that sentence alone, so the latest are kept and a
        # text reviewed again as someone types is encoded only where it changed.
        self.vector = lru_cache(maxsize=self.kept_vectors)(self.encode)

    def read(self, sentences: list[str]) -> Reading:
        """This model's reading of a text already split into ``sentences``."""
        if not sentences:
            return Reading([], [], None)
        vectors = np.vstack([self.vector(s) for s in sentences])
        per_sentence = self.sentence(in_context(vectors))
        opening = None
        if len(sentences) > 1:
            rest = vectors[1:]
            summary = np.concatenate([vectors[0], rest.max(0), rest.mean(0)])
            opening = float(self.opening(summary)[0])
        return Reading(
            blame=[float(p) for p in per_sentence[:, 0]],
            absolute=[float(p) for p in per_sentence[:, 1]],
            negative_opening=opening,
        )

    def encode(self, sentence: str) -> np.ndarray:
        """One sentence's vector, encoded on its own. Encoding several in one run would pad
        them to the longest and, with 8-bit weights, change each one's reading a little
        with the company it keeps: a sentence must read the same whatever is beside it."""
        ids = np.asarray([self.tokenizer.encode(sentence).ids], dtype=np.int64)
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        vector = np.array(vectors[0], dtype=np.float32)
        vector.flags.writeable = False
        return vector

    def forget(self) -> None:
        """Drop every kept sentence vector (to measure a first review)."""
        self.vector.cache_clear()


def in_context(vectors: np.ndarray) -> np.ndarray:
    """Each sentence's vector beside the one before, the one after (zeros where there is
    none) and the average of the whole text: what the per-sentence heads read."""
    nothing = np.zeros_like(vectors[:1])
    before = np.vstack([nothing, vectors[:-1]])
    after = np.vstack([vectors[1:], nothing])
    average = np.broadcast_to(vectors.mean(0), vectors.shape)
    return np.hstack([vectors, before, after, average])


def load() -> Model:
    """The model read afresh from its files (``model`` keeps one per process)."""
    options = onnxruntime.SessionOptions()
    # A web worker reviews one text at a time; more threads would only compete with the
    # other workers for the same cores.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(ENCODER), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    heads = json.loads(HEADS.read_text(encoding="utf-8"))
    return Model(
        session=session,
        tokenizer=tokenizer,
        sentence=_head(heads["sentence"]),
        opening=_head(heads["opening"]),
        thresholds={kind: float(value) for kind, value in heads["thresholds"].items()},
    )


@cache
def model() -> Model:
    """The model every review in this process uses, loaded on the first."""
    return load()


def read_meaning(sentences: list[str]) -> Reading:
    """The reading of a text already split into ``sentences``."""
    return model().read(sentences)


def _head(data: dict[str, list[object]]) -> Head:
    return Head(
        weights=np.asarray(data["weights"], dtype=np.float32),
        bias=np.asarray(data["bias"], dtype=np.float32),
    )
