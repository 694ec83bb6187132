"""One run of an MNIST comparison stepped by hand, its state open to the caller between steps.

``train.train`` runs every optimizer of a config to the end; this runs one of them a few steps at a time through
the same ``train.train_steps`` kernel, so the caller can read or overwrite θ and the optimizer's state in between.
The golden replay steps a float32 run beside the float64 one this way: where float32 rounding decides a branch
the other way, the float32 run takes the float64 run's state and every later step is checked
(``tests/test_mnist_golden.py``).
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

    def take_state(self, source: SteppedRun) -> None:
        """Overwrite θ, the state and the scalar state with ``source``'s (a run of the same optimizer, the same
        number of steps in), in this run's dtype."""
        if (source.run.optimizer, source.steps_done) != (self.run.optimizer, self.steps_done):
            raise ValidationError(f"{self.run.optimizer} after {self.steps_done} steps cannot take the state of "
                                  f"{source.run.optimizer} after {source.steps_done}")
        self.theta[:], self.state[:], self.scalars[:] = source.theta, source.state, source.scalars

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
