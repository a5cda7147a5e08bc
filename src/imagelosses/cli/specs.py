"""Loss names and expressions for `--losses`: `"mse"`, `"ssim"`, `"mse+0.2*sobel"`, `"0.5*(ce+dice)"`.

The grammar, read by a small recursive-descent parser (never `eval`):

    expr   := term ("+" term)*
    term   := factor ("*" factor)*          at most one factor may be a loss sub-expression
    factor := NUMBER | NAME | "(" expr ")"

A NAME is a short alias from `ALIASES` (`mse`, `sobel`, `ssim`, `dice`, ...), a registered loss class
(`SobelLoss`, case-insensitive, with or without the `Loss` suffix) or a Keras loss name (`huber`).
A sum becomes one `imagelosses.WeightedSum`; a single name becomes the loss itself.

The segmentation net returns logits, so on the segment task every loss is built with
`from_logits=True` (an imagelosses class, or a Keras loss such as `sparse_categorical_crossentropy`
through its class); a loss without that option cannot train it and is refused by name.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

import keras

import imagelosses
from imagelosses.cli._common import EXIT_USAGE, CLIError


@dataclass(frozen=True)
class Alias:
    """A short loss name: the public class it builds, the task it suits, and the options it sets."""

    cls: str  # public name in imagelosses (or "keras:<name>" for a Keras loss)
    task: str  # "restore", "segment" or "any"
    options: dict = field(default_factory=dict)


ALIASES: dict[str, Alias] = {
    # restoration
    "mse": Alias("keras:MeanSquaredError", "restore"),
    "mae": Alias("keras:MeanAbsoluteError", "restore"),
    "l1": Alias("keras:MeanAbsoluteError", "restore"),
    "sobel": Alias("SobelLoss", "restore"),
    "laplacian": Alias("LaplacianLoss", "restore"),
    "gdl": Alias("GradientDifferenceLoss", "restore"),
    "ssim": Alias("SSIMLoss", "restore"),
    "msssim": Alias("MSSSIMLoss", "restore"),
    "msssiml1": Alias("MSSSIML1Loss", "restore"),
    "charbonnier": Alias("CharbonnierLoss", "restore"),
    "tv": Alias("TotalVariationLoss", "restore"),
    "psnr": Alias("PSNRLoss", "restore"),
    "barron": Alias("BarronLoss", "restore"),
    "welsch": Alias("WelschLoss", "restore"),
    "cauchy": Alias("CauchyLoss", "restore"),
    "gemanmcclure": Alias("GemanMcClureLoss", "restore"),
    "ffl": Alias("FocalFrequencyLoss", "restore"),
    "gmsd": Alias("GMSDLoss", "restore"),
    "msgmsd": Alias("MSGMSDLoss", "restore"),
    # segmentation (the net outputs logits: each is built with from_logits=True)
    "ce": Alias("CrossEntropyLoss", "segment"),
    "wce": Alias("CrossEntropyLoss", "segment", {"class_weights": "auto"}),
    "focal": Alias("FocalLoss", "segment"),
    "dice": Alias("DiceLoss", "segment"),
    "gdice": Alias("GeneralizedDiceLoss", "segment"),
    "jaccard": Alias("JaccardLoss", "segment"),
    "tversky": Alias("TverskyLoss", "segment"),
    "focaltversky": Alias("FocalTverskyLoss", "segment"),
    "lovasz": Alias("LovaszSoftmaxLoss", "segment"),
    "cldice": Alias("SoftClDiceLoss", "segment"),
    "dicecldice": Alias("DiceClDiceLoss", "segment"),
    "mcc": Alias("MCCLoss", "segment"),
    "topk": Alias("TopKCrossEntropyLoss", "segment"),
    "dicece": Alias("DiceCELoss", "segment"),
    "dicefocal": Alias("DiceFocalLoss", "segment"),
    "unifiedfocal": Alias("AsymmetricUnifiedFocalLoss", "segment"),
    "wasserstein": Alias("GeneralizedWassersteinDiceLoss", "segment"),
}

DEFAULT_LOSSES = {
    "restore": ["mse", "mae", "ssim", "msssiml1", "mse+0.2*sobel", "mse+0.2*laplacian"],
    "segment": ["ce", "wce", "focal", "dice", "focaltversky", "lovasz", "ce+dice"],
}

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[+*()]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise CLIError(
                f"Invalid loss expression {text!r}: unexpected {text[position:].strip()[:10]!r} at "
                f"character {position}. Use names, numbers, '+', '*' and parentheses, "
                "e.g. 'mse+0.2*sobel'.",
                EXIT_USAGE,
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Parses into a list of `(weight, name)` terms: the expression, expanded."""

    def __init__(self, text: str):
        self.text, self.tokens, self.i = text, _tokens(text), 0

    def error(self, what: str):
        return CLIError(
            f"Invalid loss expression {self.text!r}: {what}. Example: 'mse+0.2*sobel'.", EXIT_USAGE
        )

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def parse(self) -> list[tuple[float, str]]:
        if not self.tokens:
            raise self.error("it is empty")
        terms = self.expr()
        if self.i != len(self.tokens):
            raise self.error(f"unexpected {self.peek()[1]!r}")
        return terms

    def expr(self):
        terms = self.term()
        while self.peek() == ("op", "+"):
            self.i += 1
            terms = terms + self.term()
        return terms

    def term(self):
        scale, terms = 1.0, None
        while True:
            factor = self.factor()
            if isinstance(factor, float):
                scale *= factor
            elif terms is None:
                terms = factor
            else:
                raise self.error("two losses are multiplied; only a number may scale a loss")
            if self.peek() != ("op", "*"):
                break
            self.i += 1
        if terms is None:
            raise self.error("a number stands alone; it must scale a loss")
        return [(scale * w, name) for w, name in terms]

    def factor(self):
        kind, value = self.peek()
        self.i += 1
        if kind == "num":
            return float(value)
        if kind == "name":
            return [(1.0, value)]
        if (kind, value) == ("op", "("):
            terms = self.expr()
            if self.peek() != ("op", ")"):
                raise self.error("a '(' is not closed")
            self.i += 1
            return terms
        raise self.error("it ends too early" if kind is None else f"unexpected {value!r}")


def parse_terms(text: str) -> list[tuple[float, str]]:
    """`"mse+0.2*sobel"` -> `[(1.0, "mse"), (0.2, "sobel")]` (names checked later, by `build`)."""
    return _Parser(text).parse()


def _takes_logits(cls) -> bool:
    """Whether the loss class has a `from_logits` option (in its signature or its config)."""
    try:
        if "from_logits" in inspect.signature(cls).parameters:
            return True
    except (TypeError, ValueError):
        pass
    try:
        return "from_logits" in cls().get_config()
    except Exception:  # a class that needs arguments to be built has no default config
        return False


def _keras_loss(name: str, task: str):
    """A Keras loss by name; on the segment task its class with `from_logits=True`."""
    try:
        loss = keras.losses.get(name)
    except ValueError:
        raise CLIError(
            f"Unknown loss {name!r}. Known names: {', '.join(sorted(ALIASES))}; any loss class "
            "listed by `imagelosses list`; or a Keras loss name such as 'huber'.",
            EXIT_USAGE,
        ) from None
    if task != "segment":
        return loss
    camel = "".join(part.capitalize() for part in name.split("_"))
    cls = loss if isinstance(loss, type) else getattr(keras.losses, camel, None)
    if cls is None and isinstance(loss, keras.losses.Loss):
        cls = type(loss)
    if cls is None or not _takes_logits(cls):
        raise CLIError(
            f"Loss {name!r} has no from_logits option; the segment net outputs logits, "
            "so it cannot train the segment task.",
            EXIT_USAGE,
        )
    return cls(from_logits=True)


def _resolve(name: str, task: str, context: dict):
    """One loss object for a NAME, configured for the task (`context` holds class weights, sizes)."""
    key = name.lower()
    alias = ALIASES.get(key)
    if alias is None:
        for cls_name in imagelosses.LOSSES:
            if key in (cls_name.lower(), cls_name.lower().removesuffix("loss")):
                alias = Alias(cls_name, "any")
                break
    if alias is None:
        return _keras_loss(name, task)
    if alias.task not in ("any", task):
        raise CLIError(f"Loss {name!r} is a {alias.task} loss; it cannot train the {task} task.", EXIT_USAGE)
    if alias.cls.startswith("keras:"):
        return getattr(keras.losses, alias.cls.split(":", 1)[1])()
    cls = getattr(imagelosses, alias.cls)
    options = dict(context.get("options", {}).get(alias.cls, {}))
    for option, value in alias.options.items():
        options[option] = context[option] if value == "auto" else value
    if task == "segment":
        if not _takes_logits(cls):
            raise CLIError(
                f"Loss {name!r} has no from_logits option; the segment net outputs "
                "logits, so it cannot train the segment task.",
                EXIT_USAGE,
            )
        options["from_logits"] = True
    return cls(**options)


def canonical(terms: list[tuple[float, str]]) -> str:
    """The display name of an expression: `mse+0.2*sobel`."""
    parts = []
    for weight, name in terms:
        parts.append(name if weight == 1.0 else f"{weight:g}*{name}")
    return "+".join(parts)


def build(text: str, task: str, context: dict | None = None):
    """`(display name, loss object)` for a `--losses` entry; raises CLIError for unknown names."""
    terms = parse_terms(text)
    context = context or {}
    losses = [_resolve(name, task, context) for _, name in terms]
    label = canonical(terms)
    if len(terms) == 1 and terms[0][0] == 1.0:
        return label, losses[0]
    return label, imagelosses.WeightedSum(losses, weights=[w for w, _ in terms])


def split_losses(text: str) -> list[str]:
    """`--losses "mse, mse+0.2*sobel"` -> two entries (commas separate the runs)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise CLIError(f"Invalid value for --losses: {text!r} has an empty entry.", EXIT_USAGE)
    return items
