"""What an optimizer's registry entry is made of: the :class:`Optimizer`, :class:`Hyperparameter` and
:class:`StateSlot` records, the kinds an entry chooses from (effective step, line dash, stability rule) and the
checks an entry must pass when it is built. The entries themselves are in ``optimizers/registry.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from claims import Claim
from optimizers import rules
from validation import Range, ValidationError, check_range, lookup

# How the per-coordinate effective step is computed from the recorded state (simulation/diagnostics.py):
# "none" — one step size for all coordinates; "sign" — exactly lr; "rms" — lr/(√s+ε) with s the first slot;
# "adadelta"; "adam" / "amsgrad" — bias-corrected, from v / v_max; "adamax"; "radam".
STEP_KINDS = ("none", "sign", "rms", "adadelta", "adam", "amsgrad", "adamax", "radam")
LINE_DASHES = ("solid", "dash", "dot", "dashdot")  # Plotly dash names; matplotlib reads them too
# Which stability limit on a quadratic (constant Hessian) the theory gives for it: gradient descent's
# η < 2/λ_max, heavy ball's η < 2(1+μ)/λ_max, Nesterov's η < 2(1+μ)/((1+2μ)λ_max); "none": no closed form.
STABILITY_RULES = ("none", "gd", "heavy_ball", "nesterov")
# Which of a surface's step-size suggestions starts its learning-rate slider (ui/options.py): the plain-gradient
# one ("sgd"), the one for per-coordinate steps ("adaptive"), or torch's default ("default").
SURFACE_LRS = ("sgd", "adaptive", "default")


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: where it sits in the HP vector, its torch default and its allowed range."""

    name: str
    index: int
    default: float
    allowed: Range
    label: str  # short, for a slider: "learning rate η"
    help: str
    options: tuple[float, ...]  # the slider's values
    symbol: str  # in formulas and axis titles: "η"
    log_scale: bool = False  # sliders for this one move in decades


@dataclass(frozen=True)
class StateSlot:
    """One row of an optimizer's state (``state[i]`` in ``optimizers.rules``), named as in the update rule."""

    name: str
    meaning: str


@dataclass(frozen=True)
class Optimizer:
    """Everything the product knows about one optimizer."""

    name: str
    oid: int
    title: str
    torch_equivalent: str
    hyperparameters: tuple[Hyperparameter, ...]
    state_slots: tuple[StateSlot, ...]  # state rows 0, 1, … (see optimizers.rules)
    latex: str  # the update rule
    fixes: str  # what it improves on, for students
    costs: str  # what it costs or where it struggles
    color: str  # the same colour everywhere: app, small multiples, GIF, MP4, MNIST
    dash: str  # line style (one of LINE_DASHES): optimizers of similar colour differ in dash
    # The MNIST page's learning rate: PyTorch's usual choice for a small network (SGD 0.1, momentum 0.01,
    # Adagrad 0.01, Adadelta 1.0, RMSprop 1e-3, Adamax and NAdam 2e-3, Adam 1e-3); NAG follows momentum,
    # AMSGrad/AdamW/RAdam follow Adam, and Lion takes Adam's divided by 10 (its steps are ±lr per coordinate).
    mnist_lr: float
    # Each choice below is stated in every entry, "none" included: an entry that forgets one fails to build.
    step_kind: str  # one of STEP_KINDS: how its per-coordinate effective step is computed
    surface_lr: str  # one of SURFACE_LRS: which surface step-size suggestion starts its learning rate
    stability_rule: str  # one of STABILITY_RULES: its limit on a quadratic, drawn on the stability map
    claims: tuple[Claim, ...] = field(default=(), compare=False)  # runs that show what fixes/costs say

    def __post_init__(self) -> None:
        lookup(f"step kind of {self.name}", self.step_kind, dict.fromkeys(STEP_KINDS))
        lookup(f"line dash of {self.name}", self.dash, dict.fromkeys(LINE_DASHES))
        lookup(f"stability rule of {self.name}", self.stability_rule, dict.fromkeys(STABILITY_RULES))
        lookup(f"surface learning rate of {self.name}", self.surface_lr, dict.fromkeys(SURFACE_LRS))
        check_range(f"MNIST learning rate of {self.name}", self.mnist_lr, self.hyperparameter("lr").allowed)

    @property
    def adaptive(self) -> bool:
        """Scales each coordinate by its own gradient history (its effective step differs per coordinate)."""
        return self.step_kind != "none"

    def slot(self, name: str) -> int:
        """The state row holding slot ``name`` (e.g. "v"); an unknown name lists this optimizer's slots."""
        return lookup(f"state slot of {self.name}", name, {s.name: i for i, s in enumerate(self.state_slots)})

    def has_slot(self, name: str) -> bool:
        return any(s.name == name for s in self.state_slots)

    @property
    def short_title(self) -> str:
        """The title without its parenthetical ("Momentum" for "Momentum (heavy ball)"), for tight spots such
        as the tags of the optimizer pickers."""
        return self.title.split(" (")[0]

    @property
    def defaults(self) -> dict[str, float]:
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        return lookup(f"hyperparameter of {self.name}", name, {h.name: h for h in self.hyperparameters})

    def validate(self, values: Mapping[str, object]) -> dict[str, float]:
        """Complete ``values`` with defaults and check each against its range (one-line errors)."""
        known = {h.name for h in self.hyperparameters}
        for key in values:
            if key not in known:
                raise ValidationError(
                    f"{self.name} has no hyperparameter {str(key)[:40]!r}; valid: {', '.join(sorted(known))}")
        return {h.name: check_range(h.name, values.get(h.name, h.default), h.allowed)
                for h in self.hyperparameters}

    def hyperparameter_vector(self, values: Mapping[str, float]) -> np.ndarray:
        """The ``HP_*`` vector the jitted rules read, from already validated values."""
        vector = np.zeros(rules.N_HYPERPARAMS, dtype=np.float64)
        for h in self.hyperparameters:
            vector[h.index] = values[h.name]
        return vector
