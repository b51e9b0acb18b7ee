"""What one optimizer's entry holds: OptimizerRule, and the types of its step.

An optimizer is one entry in a table of OptimizerRules: Keras's formulas in
keras_formulas.py (OPTIMIZERS), torch.optim's in pytorch_formulas.py
(PYTORCH_OPTIMIZERS).  Each entry says what the optimizer computes (its step
in NumPy, its formula, the lines --explain shows) and which class of its
library computes the same, with which arguments.
"""

from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Weights, their gradients and the optimizer's state are FloatArrays: floats
# of the run's type, with a leading axis (B, ...) for a batch of networks.
from .network import FloatArray

#: The run's float type: "float32", "float64", or that np.dtype.
FloatType = str | np.dtype[np.floating]
#: A learning rate: a scalar of the run's float type, or one per network
#: shaped to broadcast over the weights, (B, 1, 1).
Rate = np.floating | FloatArray
#: One layer's optimizer state, slot -> array: {"m": ..., "v": ...} for Adam.
Slots = dict[str, FloatArray]
#: What one step computed, for --explain: {"m": ..., "alpha": ..., "step": ...}.
Trace = dict[str, Rate]


class StepRule(Protocol):
    """The signature every optimizer step has: (w, g, state, lr, *, t, hp) -> (new w,
    new state, trace), with t the number of the update (1 for the first) and hp
    the hyperparameters; ``state`` and ``hp`` are dicts, every value of w's float
    type."""

    def __call__(
        self,
        w: FloatArray,
        g: FloatArray,
        state: Slots,
        lr: Rate,
        *,
        t: np.floating,
        hp: dict[str, np.floating],
    ) -> tuple[FloatArray, Slots, Trace]: ...


@dataclass(frozen=True)
class OptimizerRule:
    """One optimizer: what it computes, and which class of its library computes the same."""

    name: str
    formula: str  # the update in one line of text
    defaults: tuple[tuple[str, float], ...]  # ((hyperparameter, the project's default), ...)
    slots: tuple[str, ...]  # the state kept per weight, starting at zero
    step: StepRule  # (w, g, state, lr, *, t, hp) -> (new w, new state, trace)
    #: The class that computes the same: in keras.optimizers for Keras's rules,
    #: in torch.optim for PyTorch's ("SGD", "RMSprop", "Adam").
    class_name: str
    #: ((our hyperparameter, the library's argument), ...).  An argument named
    #: more than once takes a tuple of those values, in this order: torch's
    #: Adam has (("beta1", "betas"), ("beta2", "betas"), ...), betas=(beta1, beta2).
    argument_names: tuple[tuple[str, str], ...] = ()
    #: ((the library's argument, value), ...): what the class is given besides.
    fixed_arguments: tuple[tuple[str, object], ...] = ()
    #: The update-order study's learning rates: log-spaced from the first to the second.
    study_rates: tuple[float, float] = (0.05, 10.0)
    #: --explain's lines for one weight: ((what, formula with str.format fields), ...);
    #: the fields are the step's trace (m, v, alpha, step, ...), the state before it
    #: (m_before, v_before), g, lr, t and the hyperparameters.
    explained: tuple[tuple[str, str], ...] = ()

    def library_arguments(self, values: dict[str, float]) -> dict[str, object]:
        """The library's keyword arguments for the hyperparameters ``values``: each
        under the library's name, as a Python float; a name given twice (torch's Adam
        betas) takes a tuple; then fixed_arguments."""
        arguments: dict[str, object] = {}
        for ours, theirs in self.argument_names:
            value = float(values[ours])
            if theirs in arguments:
                previous = arguments[theirs]
                arguments[theirs] = (
                    *(previous if isinstance(previous, tuple) else (previous,)),
                    value,
                )
            else:
                arguments[theirs] = value
        arguments.update(self.fixed_arguments)
        return arguments
