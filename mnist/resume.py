"""One run of an MNIST comparison stepped by hand, its state open to the caller between steps.

``train.train`` runs every optimizer of a config to the end; this runs one of them a few steps at a time through
the same ``train.train_steps`` kernel, so the caller can read or overwrite θ and the optimizer's state in between.
The golden replay uses it where float32 rounding decides a branch differently in torch's run and ours: it takes
torch's values there and checks every later step (``tests/test_mnist_golden.py``,
``scripts/generate_mnist_golden.py``).
"""
from __future__ import annotations

import numpy as np

from mnist import networks, train
from mnist.train_config import TrainConfig, batches_per_epoch
from optimizers import rules, schedules
from validation import ValidationError


class SteppedRun:
    """Run ``index`` of ``config`` on ``data`` from ``initial_weights`` with the epochs' ``batch_orders``.

    ``theta``, ``state`` (rows in ``optimizers.registry``'s slot order) and ``scalars`` are the run's own arrays;
    ``steps_done`` counts the optimizer steps taken."""

    def __init__(self, config: TrainConfig, index: int, data: train.Prepared, initial_weights: np.ndarray,
                 batch_orders: np.ndarray):
        self.config, self.run = config, config.runs[index]
        self.train_set = data.train.subset(train.training_rows(config, len(data.train)))
        self.orders = np.asarray(batch_orders, dtype=np.int64)
        self.steps_per_epoch = batches_per_epoch(len(self.train_set), config.batch_size)
        self.theta = np.array(initial_weights, dtype=data.train.values.dtype)
        self.grad = np.empty_like(self.theta)
        self.state, self.scalars = rules.new_state(self.theta)
        self.hp = self.run.spec.hyperparameter_vector(self.run.values)
        self.plan = schedules.get_schedule(self.run.schedule)
        self.steps_done = 0

    def rows(self) -> np.ndarray:
        """A copy of θ and the state rows as one (1 + slots, n) array."""
        return np.concatenate([self.theta[None], self.state[:len(self.run.spec.state_slots)]])

    def take(self, entries: np.ndarray, values: np.ndarray, scalars: np.ndarray) -> None:
        """Overwrite the ``entries`` (row, index) of :meth:`rows` — row 0 is θ, 1… the state slots — with
        ``values``, and the scalar state with ``scalars``."""
        for row in np.unique(entries[:, 0]):
            chosen = entries[:, 0] == row
            target = self.theta if row == 0 else self.state[row - 1]
            target[entries[chosen, 1]] = values[chosen]
        self.scalars[:] = scalars

    def advance(self, n_steps: int) -> np.ndarray:
        """Take the next ``n_steps`` optimizer steps; returns each one's mini-batch loss (before its update)."""
        losses, rates = np.empty(n_steps, self.theta.dtype), np.empty(n_steps)
        for b in range(n_steps):
            epoch, batch = divmod(self.steps_done, self.steps_per_epoch)
            bad = train.train_steps(
                self.run.spec.oid, self.hp, self.plan.kind, self.plan.vector(self.run.schedule_params), self.theta,
                self.grad, self.state, self.scalars, self.steps_done + 1, networks.MODELS[self.config.model],
                self.config.hidden, self.train_set.indptr, self.train_set.indices, self.train_set.values,
                self.train_set.labels, self.orders[epoch], self.config.batch_size, batch, 1, losses[b:b + 1],
                rates[b:b + 1])
            self.steps_done += 1
            if bad != train.NOT_DIVERGED:
                raise ValidationError(f"{self.run.optimizer} diverged at step {self.steps_done}")
        return losses
