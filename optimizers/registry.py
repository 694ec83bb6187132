"""The optimizer registry: every optimizer's entry (names, torch.optim defaults, valid ranges, slider options,
state slots, colours and what students should know) and the lookups that read it.

This is the single source of optimizer facts. The CLI, the app's sliders, the figures, the MNIST trainer, the
docs and the tests read them from here; the shape of an entry and its checks are in ``optimizers/spec.py``.
Adding an optimizer means a kernel in ``optimizers/rules.py`` and an entry here
(``tests/test_registry_complete.py`` names any fact an entry lacks).
"""
from __future__ import annotations

from claims import Claim
from optimizers import rules
from optimizers.spec import Hyperparameter, Optimizer, StateSlot
from validation import Range, ValidationError, lookup

MAX_LR = 1e3  # far beyond any useful step; larger values only overflow faster
MAX_EPS = 1e6  # a huge ε turns an adaptive method into plain SGD with step lr/ε: allowed, for teaching
MAX_WEIGHT_DECAY = 1e3


def _log_options(low_exp: int, high_exp: int, mantissas: tuple[float, ...]) -> tuple[float, ...]:
    values = [round(m * 10.0 ** e, 12) for e in range(low_exp, high_exp) for m in mantissas]
    return tuple(values) + (round(10.0 ** high_exp, 12),)


# Slider options (the URL snaps to them too). Learning rates: 1e-5 … 10, ten per decade, containing every
# default and every surface suggestion; decays packed towards 1, where the interesting values are.
LR_OPTIONS = _log_options(-5, 1, (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9))
DECAY_OPTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
BETA2_OPTIONS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)
EPS_OPTIONS = _log_options(-10, 0, (1,))
WEIGHT_DECAY_OPTIONS = (0.0, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.5, 1.0)


def _lr(default: float) -> Hyperparameter:
    return Hyperparameter("lr", rules.HP_LR, default, Range(0.0, MAX_LR, low_inclusive=False), "learning rate η",
                          "learning rate: the step size", LR_OPTIONS, "η", log_scale=True)


def _momentum(default: float, help_text: str = "momentum μ: how much of the previous step is kept"):
    return Hyperparameter("momentum", rules.HP_MOMENTUM, default, Range(0.0, 1.0, high_inclusive=False),
                          "momentum μ", help_text, DECAY_OPTIONS, "μ")


def _eps(default: float) -> Hyperparameter:
    return Hyperparameter("eps", rules.HP_EPS, default, Range(0.0, MAX_EPS, low_inclusive=False), "ε",
                          "ε added to the denominator for numerical stability", EPS_OPTIONS, "ε", log_scale=True)


def _weight_decay(default: float = 0.0, decoupled: bool = False) -> Hyperparameter:
    how = "decoupled: p ← p·(1 − lr·wd)" if decoupled else "L2 penalty added to the gradient: g ← g + wd·p"
    return Hyperparameter("weight_decay", rules.HP_WEIGHT_DECAY, default, Range(0.0, MAX_WEIGHT_DECAY),
                          "weight decay", f"weight decay ({how})", WEIGHT_DECAY_OPTIONS, "λ")


def _betas(beta1: float = 0.9, beta2: float = 0.999) -> tuple[Hyperparameter, Hyperparameter]:
    unit = Range(0.0, 1.0, high_inclusive=False)
    return (Hyperparameter("beta1", rules.HP_BETA1, beta1, unit, "β1", "β1: decay of the first-moment average",
                           DECAY_OPTIONS, "β1"),
            Hyperparameter("beta2", rules.HP_BETA2, beta2, unit, "β2", "β2: decay of the second-moment average",
                           BETA2_OPTIONS, "β2"))


def _rho(default: float, help_text: str) -> Hyperparameter:
    return Hyperparameter("rho", rules.HP_RHO, default, Range(0.0, 1.0), "ρ", help_text, DECAY_OPTIONS, "ρ")


_ADAM_RULE = (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2"
              r"\\ \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,"
              r"\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}")
_ADAM_SLOTS = (StateSlot("m", "first moment (average gradient)"),
               StateSlot("v", "second moment (average squared gradient)"),
               StateSlot("v_max", "running maximum v̂ of v (AMSGrad)"))
_VELOCITY = StateSlot("b", "velocity (momentum buffer)")

OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in [
    Optimizer(
        "gd", rules.GD, "Gradient descent (SGD)", "torch.optim.SGD",
        (_lr(1e-3), _weight_decay()), (),
        r"\theta_t = \theta_{t-1} - \eta\, g_t",
        "Nothing yet — it is the baseline every other method improves on: step straight downhill. With exact "
        "gradients it is batch gradient descent; with noisy ones (the noise slider, or mini-batches on MNIST) "
        "it is SGD.",
        "One step size for every direction: too small crawls, too large overshoots or diverges, and on a "
        "ravine it zig-zags across the steep walls.",
        surface_lr="sgd", step_kind="none",
        color="#0072B2", dash="solid", mnist_lr=0.1, stability_rule="gd",
        claims=(Claim("zig-zags across the steep walls", "zigzags", "ravine", (("gd", (("lr", 0.09),)),), 20),
                Claim("too large overshoots or diverges", "diverges", "ravine", (("gd", (("lr", 0.2),)),), 150))),
    Optimizer(
        "momentum", rules.MOMENTUM, "Momentum (heavy ball)", "torch.optim.SGD(momentum=μ)",
        (_lr(1e-3), _momentum(0.9), _weight_decay()), (_VELOCITY,),
        r"b_t = \mu\, b_{t-1} + g_t,\quad \theta_t = \theta_{t-1} - \eta\, b_t",
        "Keeps a velocity: steps add up along directions where the gradient is consistent and cancel across "
        "a ravine, so progress along the floor speeds up by up to 1/(1−μ).",
        "Velocity carries it past the minimum: expect overshoot and spirals, and one more knob (μ ≈ 0.9). "
        "(Some articles put η inside b; torch keeps it outside — identical while η is constant.)",
        surface_lr="sgd", step_kind="none",
        color="#E69F00", dash="solid", mnist_lr=0.01, stability_rule="heavy_ball",
        claims=(Claim("progress along the floor speeds up", "reaches_first", "ravine",
                      (("momentum", (("lr", 0.01), ("momentum", 0.9))), ("gd", (("lr", 0.01),))), 1000),
                Claim("Velocity carries it past the minimum", "overshoots", "bowl",
                      (("momentum", (("lr", 0.01), ("momentum", 0.9))),), 200))),
    Optimizer(
        "nag", rules.NAG, "Nesterov momentum (NAG)", "torch.optim.SGD(momentum=μ, nesterov=True)",
        (_lr(1e-3), _momentum(0.9), _weight_decay()), (_VELOCITY,),
        r"b_t = \mu\, b_{t-1} + g_t,\quad \theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)",
        "Looks ahead: the step uses the gradient where momentum is about to carry it, so it brakes earlier "
        "and overshoots less than plain momentum.",
        "Still needs a tuned η and μ. torch's form tracks the look-ahead point itself, so its path differs "
        "from the textbook θ − μv formulation by exactly the momentum term; both describe the same method.",
        surface_lr="sgd", step_kind="none",
        color="#009E73", dash="solid", mnist_lr=0.01, stability_rule="nesterov",
        claims=(Claim("overshoots less than plain momentum", "overshoots_less", "bowl",
                      (("nag", (("lr", 0.01), ("momentum", 0.9))), ("momentum", (("lr", 0.01), ("momentum", 0.9)))),
                      200),)),
    Optimizer(
        "adagrad", rules.ADAGRAD, "AdaGrad", "torch.optim.Adagrad",
        (_lr(1e-2), _eps(1e-10), _weight_decay()), (StateSlot("G", "sum of all squared gradients"),),
        r"G_t = G_{t-1} + g_t^2,\quad \theta_t = \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{G_t} + \epsilon}",
        "Gives every coordinate its own step size: rarely-updated (sparse) coordinates keep large steps, "
        "frequently-updated ones get smaller ones.",
        "G only grows, so the effective step only shrinks and training can stall. Myth: it is not a "
        "second-order method; it uses squared first derivatives, no Hessian.",
        surface_lr="adaptive", stability_rule="none",
        color="#56B4E9", dash="dash", mnist_lr=0.01, step_kind="rms",
        claims=(Claim("the effective step only shrinks", "step_shrinks", "ravine", (("adagrad", (("lr", 0.1),)),),
                      200),)),
    Optimizer(
        "adadelta", rules.ADADELTA, "AdaDelta", "torch.optim.Adadelta",
        (_lr(1.0), _rho(0.9, "ρ: decay of both moving averages"), _eps(1e-6), _weight_decay()),
        (StateSlot("Eg2", "E[g²], the average squared gradient"),
         StateSlot("Edelta2", "E[Δ²], the average squared update")),
        r"E[g^2]_t = \rho E[g^2]_{t-1} + (1-\rho) g_t^2,\quad "
        r"\Delta_t = \frac{\sqrt{E[\Delta^2]_{t-1}+\epsilon}}{\sqrt{E[g^2]_t+\epsilon}}\, g_t"
        r"\\ E[\Delta^2]_t = \rho E[\Delta^2]_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_t = \theta_{t-1} - \eta\,\Delta_t",
        "Replaces AdaGrad's ever-growing sum with moving averages, and measures steps in the units of past "
        "updates, so in principle it needs no learning rate (torch still multiplies by η = 1).",
        "Starts with tiny steps, about √(ε/(1−ρ)) ≈ 0.003 at the defaults, that grow only slowly; on a 2D "
        "surface it can look frozen at first.",
        surface_lr="default", stability_rule="none",
        color="#7F7F7F", dash="dash", mnist_lr=1.0, step_kind="adadelta",
        claims=(Claim("Starts with tiny steps", "tiny_first_steps", "ravine", (("adadelta", ()),), 20),)),
    Optimizer(
        "rmsprop", rules.RMSPROP, "RMSProp", "torch.optim.RMSprop (ρ is torch's alpha)",
        (_lr(1e-2), _rho(0.99, "ρ (torch's alpha): decay of the squared-gradient average"), _eps(1e-8),
         _momentum(0.0, "momentum μ (optional; plain RMSProp has none)"), _weight_decay()),
        (StateSlot("v", "average squared gradient"), StateSlot("b", "momentum buffer (only with μ > 0)")),
        r"v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad \theta_t = \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{v_t}+\epsilon}",
        "AdaGrad without the shrinkage: a moving average of squared gradients forgets the distant past, so "
        "the per-coordinate step stays useful.",
        "Its first step is η/√(1−ρ) in every coordinate (10η at ρ = 0.99), however gentle the slope, so an η "
        "that suits the later steps can throw the first one far. Myth: plain RMSProp has no momentum (torch "
        "offers it as an option).",
        surface_lr="adaptive", stability_rule="none",
        color="#CC79A7", dash="solid", mnist_lr=1e-3, step_kind="rms",
        claims=(Claim("Its first step is η/√(1−ρ) in every coordinate", "first_step_lr_over_root", "ravine",
                      (("rmsprop", (("lr", 0.01),)),), 3),)),
    Optimizer(
        "adam", rules.ADAM, "Adam", "torch.optim.Adam",
        (_lr(1e-3), *_betas(), _eps(1e-8), _weight_decay()), _ADAM_SLOTS[:2],
        _ADAM_RULE,
        "Momentum's average gradient plus RMSProp's per-coordinate scaling, with bias correction so the "
        "first steps are not too small. A robust default.",
        "Not always best: on a ravine tuned momentum can beat it, and its step of about η per coordinate "
        "ignores the true curvature. Its learning rate still needs tuning.",
        surface_lr="adaptive", stability_rule="none",
        color="#D55E00", dash="dash", mnist_lr=1e-3, step_kind="adam",
        claims=(Claim("on a ravine tuned momentum can beat it", "reaches_first", "ravine",
                      (("momentum", (("lr", 0.03), ("momentum", 0.6))), ("adam", (("lr", 0.1),))), 300),)),
    Optimizer(
        "amsgrad", rules.AMSGRAD, "AMSGrad", "torch.optim.Adam(amsgrad=True)",
        (_lr(1e-3), *_betas(), _eps(1e-8), _weight_decay()), _ADAM_SLOTS,
        _ADAM_RULE.replace(r"\sqrt{v_t}", r"\sqrt{\hat v_t}") + r",\quad \hat v_t = \max(\hat v_{t-1}, v_t)",
        "Adam with a memory of the largest second moment, so the effective step never grows again; this "
        "repairs a convergence flaw of Adam.",
        "After one large gradient its steps stay small for good, which can make it slower than Adam.",
        surface_lr="adaptive", stability_rule="none",
        color="#882255", dash="dot", mnist_lr=1e-3, step_kind="amsgrad",
        claims=(Claim("can make it slower than Adam", "reaches_first", "beale",
                      (("adam", (("lr", 0.05),)), ("amsgrad", (("lr", 0.05),))), 500),)),
    Optimizer(
        "adamax", rules.ADAMAX, "AdaMax", "torch.optim.Adamax",
        (_lr(2e-3), *_betas(), _eps(1e-8), _weight_decay()),
        (StateSlot("m", "first moment"), StateSlot("u", "exponentially weighted infinity norm of gradients")),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon)"
        r"\\ \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}",
        "Adam with the infinity norm instead of the squared average: the denominator is the largest recent "
        "gradient, which is stable and needs no bias correction.",
        "A single large gradient dominates the scale for a long time (it decays only by β2 per step).",
        surface_lr="adaptive", stability_rule="none",
        color="#44AA99", dash="dot", mnist_lr=2e-3, step_kind="adamax"),
    Optimizer(
        "nadam", rules.NADAM, "NAdam", "torch.optim.NAdam (momentum_decay 0.004)",
        (_lr(2e-3), *_betas(), _eps(1e-8), _weight_decay()), _ADAM_SLOTS[:2],
        r"\theta_t = \theta_{t-1} - \eta\,\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\,\frac{g_t}{d_t}"
        r" - \eta\,\frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,\frac{m_t}{d_t},\quad d_t = \sqrt{v_t/(1-\beta_2^t)} + \epsilon",
        "Adam with Nesterov's look-ahead: the momentum part of the step uses next step's coefficient, so "
        "it reacts a little faster to a change of slope.",
        "Slightly more arithmetic than Adam; its momentum coefficient μₜ follows a warm-up schedule.",
        surface_lr="adaptive", stability_rule="none",
        color="#999933", dash="dashdot", mnist_lr=2e-3, step_kind="adam"),
    Optimizer(
        "adamw", rules.ADAMW, "AdamW", "torch.optim.AdamW",
        (_lr(1e-3), *_betas(), _eps(1e-8), _weight_decay(1e-2, decoupled=True)), _ADAM_SLOTS[:2],
        r"\theta \leftarrow \theta\,(1 - \eta\lambda)\ \text{then Adam's step:}\ " + _ADAM_RULE,
        "Adam with decoupled weight decay: the shrinkage of weights is not divided by √v, so every weight "
        "decays at the same rate — the standard for training transformers.",
        "Weight decay pulls every path towards the origin, so on a 2D surface the end point is the minimum "
        "of the loss plus the decay, not of the loss alone.",
        surface_lr="adaptive", stability_rule="none",
        color="#AA4499", dash="dashdot", mnist_lr=1e-3, step_kind="adam",
        claims=(Claim("Weight decay pulls every path towards the origin", "ends_nearer_origin", "rosenbrock",
                      (("adamw", (("lr", 0.02), ("weight_decay", 0.5))), ("adam", (("lr", 0.02),))), 1000),)),
    Optimizer(
        "radam", rules.RADAM, "RAdam", "torch.optim.RAdam",
        (_lr(1e-3), *_betas(), _eps(1e-8), _weight_decay()), _ADAM_SLOTS[:2],
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t};\ \rho_t > 5:\ "
        r"\theta_t = \theta_{t-1} - \eta\, r_t\,\hat m_t \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon};\ "
        r"\text{else } \theta_t = \theta_{t-1} - \eta\,\hat m_t",
        "Rectified Adam: while too few gradients have been seen to trust v, it takes plain momentum steps, "
        "then phases in the adaptive scaling — a built-in warm-up.",
        "The first few steps are momentum SGD steps (the very first is η·g), which on steep surfaces can be "
        "large.",
        surface_lr="adaptive", stability_rule="none",
        color="#6699CC", dash="dot", mnist_lr=1e-3, step_kind="radam",
        claims=(Claim("the very first is η·g", "first_step_lr_times_gradient", "ravine",
                      (("radam", (("lr", 0.1),)),), 3),)),
    Optimizer(
        "lion", rules.LION, "Lion", "Lion (Chen et al. 2023)",
        (_lr(1e-4), *_betas(0.9, 0.99), _weight_decay(decoupled=True)),
        (StateSlot("m", "momentum (average gradient)"),),
        r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad \theta_t = \theta_{t-1}(1-\eta\lambda) - \eta\,\mathrm{sign}(c_t)"
        r"\\ m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t",
        "Uses only the sign of an interpolated momentum: every coordinate moves exactly η per step, and it "
        "keeps a single state vector (half of Adam's memory).",
        "Fixed-size steps: near a minimum it hops back and forth by η, unless the start lies a whole number "
        "of steps from the minimum in every coordinate, as on the ravine from its default start, where it "
        "lands exactly. For training networks Chen et al. recommend an η 3–10× smaller than AdamW's.",
        surface_lr="adaptive", stability_rule="none",
        color="#C9B400", dash="dot", mnist_lr=1e-4, step_kind="sign",
        claims=(Claim("near a minimum it hops back and forth by η", "hops_by_lr", "bowl",
                      (("lion", (("lr", 0.1),)),), 300, start=(-1.23, 0.77)),
                Claim("where it lands exactly", "settles", "ravine", (("lion", (("lr", 0.1),)),), 150))),
]}


def shared_hyperparameter(name: str) -> Hyperparameter:
    """Hyperparameter ``name`` as every optimizer that has it shares it (label, options, range): the one
    slider of "same hyperparameters for all"."""
    for optimizer in OPTIMIZERS.values():
        for hyperparameter in optimizer.hyperparameters:
            if hyperparameter.name == name:
                return hyperparameter
    raise ValidationError(f"no optimizer has a hyperparameter {str(name)[:40]!r}")


def get_optimizer(name: str) -> Optimizer:
    """The registered optimizer called ``name``; an unknown name lists the valid ones."""
    return lookup("optimizer", name, OPTIMIZERS)
