"""Mazur's network as torch tensors, trained by PyTorch autograd and torch.optim.

Parallel updates are what autograd gives on its own: one forward pass,
``loss.backward()``, then one ``torch.optim`` step for every weight.
Sequential updates are autograd too, asked to do something else: the output
layer's step first, then ``torch.autograd.grad`` (a vector-Jacobian product)
carries the same output deltas back through the NEW output weights to the
hidden layer.  No gradient formula is written by hand; a penalty (--l1,
--l2) is a term of the loss that autograd differentiates.

The optimizers are torch.optim's own, with the run's hyperparameters
(numpy_ref/pytorch_formulas.py writes each out as torch.optim computes it),
and a schedule is a ``LambdaLR`` of the schedule's closed form: torch's
ExponentialLR and CosineAnnealingLR multiply the rate step by step and drift
from it.  Every iteration runs eagerly, in Python.
"""

from collections.abc import Callable

import numpy as np
import torch

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.result import TrainingResult
from numpy_ref.trainers import Steps, unwatched
from numpy_ref.training import PLAIN_SGD, Training

from . import LOSSES
from .history import FinalState, FirstIterationArrays, kernel_from_weights, training_result

DTYPES = {"float32": torch.float32, "float64": torch.float64}

#: A batch's loss as a function of (target, output).
LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def loss_function(name: str) -> LossFunction:
    """The loss of a batch as a function of (target, output), both shaped (samples, 2):
    the mean over the samples of each one's loss."""
    if name == "half-sse":  # E = sum 1/2 (t - o)^2, the tutorial's E_total
        return lambda t, o: 0.5 * torch.mean(torch.sum(torch.square(t - o), dim=-1))
    if name == "mse":  # mean (t - o)^2 = 1/2 sum (t - o)^2 for two outputs
        return lambda t, o: torch.mean(torch.square(t - o))
    if name == "sse":  # sum (t - o)^2 = 2 E: every gradient doubles
        return lambda t, o: torch.mean(torch.sum(torch.square(t - o), dim=-1))
    raise ValueError(f"loss must be one of {LOSSES}, not {name!r}")


def torch_optimizer(
    training: Training, parameters: list[torch.Tensor], learning_rate: float
) -> torch.optim.Optimizer:
    """The torch.optim optimizer that ``training`` names, over ``parameters``."""
    optimizer = training.optimizer
    make = getattr(torch.optim, optimizer.rule.class_name)
    arguments = optimizer.rule.library_arguments(optimizer.hyperparameters)
    return make(parameters, lr=float(learning_rate), **arguments)


def torch_schedule(
    training: Training, optimizer: torch.optim.Optimizer
) -> torch.optim.lr_scheduler.LambdaLR | None:
    """A LambdaLR whose rate after k updates is lr0 times the schedule's factor, in
    float64 as numpy_ref computes it (None for a constant rate)."""
    schedule = training.schedule
    if schedule.constant:
        return None
    # lr = lr0 · f(k), f(k) = the schedule's rate from lr0 = 1: the closed form
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: float(schedule.rate(1.0, k, "float64"))
    )


class TorchNetwork:
    """The network as torch tensors: leaves that require grad (weights; biases when
    they train) and constants.  Kernels are in x @ K orientation: K = W.T."""

    def __init__(
        self,
        example: Example,
        dtype: str,
        *,
        loss: str = "half-sse",
        training: Training = PLAIN_SGD,
    ) -> None:
        self.example = example
        self.kind = DTYPES[dtype]
        x, target, hidden_weights, output_weights = example.arrays(dtype)
        self.x = torch.from_numpy(x)  # (samples, 2): [i1, i2] each
        self.target = torch.from_numpy(target)  # (samples, 2)
        self.hidden_kernel = self._leaf(kernel_from_weights(hidden_weights, dtype))
        self.output_kernel = self._leaf(kernel_from_weights(output_weights, dtype))
        if example.train_biases:
            b_hidden, b_output = example.biases(dtype)  # [b_h1, b_h2], [b_o1, b_o2]
            self.hidden_bias = self._leaf(b_hidden)
            self.output_bias = self._leaf(b_output)
        else:  # the tutorial's b1 and b2: constants, one per layer
            self.hidden_bias = torch.tensor(example.hidden_bias, dtype=self.kind)
            self.output_bias = torch.tensor(example.output_bias, dtype=self.kind)
        self.loss = loss_function(loss)
        self.training = training
        self.optimizer = torch_optimizer(
            training, self.hidden_layer + self.output_layer, example.learning_rate
        )
        self.scheduler = torch_schedule(training, self.optimizer)

    def _leaf(self, array: np.ndarray) -> torch.Tensor:
        return torch.tensor(array, dtype=self.kind, requires_grad=True)

    @property
    def hidden_layer(self) -> list[torch.Tensor]:
        """The hidden layer's trained tensors: K_h, and b_h when biases train."""
        return [self.hidden_kernel] + ([self.hidden_bias] if self.example.train_biases else [])

    @property
    def output_layer(self) -> list[torch.Tensor]:
        """The output layer's trained tensors: K_o, and b_o when biases train."""
        return [self.output_kernel] + ([self.output_bias] if self.example.train_biases else [])

    def forward(
        self, x: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """net_h = x @ K_h + b_h, out_h = sigmoid(net_h);
        net_o = out_h @ K_o + b_o, out_o = sigmoid(net_o), for the rows ``x``."""
        net_hidden = (self.x if x is None else x) @ self.hidden_kernel + self.hidden_bias
        hidden = torch.sigmoid(net_hidden)
        net_output = hidden @ self.output_kernel + self.output_bias
        return net_hidden, hidden, net_output, torch.sigmoid(net_output)

    def penalty(self, *kernels: torch.Tensor) -> torch.Tensor | float:
        """l1 sum|w| + l2 sum w^2 over ``kernels`` (0 without a penalty); a term whose
        coefficient is 0 is left out, as numpy_ref leaves it out."""
        total: torch.Tensor | float = 0.0
        for kernel in kernels:
            if self.training.l1:
                total = total + self.training.l1 * torch.sum(torch.abs(kernel))
            if self.training.l2:
                total = total + self.training.l2 * torch.sum(torch.square(kernel))
        return total

    def step_layers(self, gradients: dict[int, torch.Tensor]) -> None:
        """One torch.optim step of the tensors whose gradients are given (by their
        place in the optimizer's list); the others have no .grad, so torch skips them."""
        for index, tensor in enumerate(self.hidden_layer + self.output_layer):
            tensor.grad = gradients.get(index)
        self.optimizer.step()

    def parallel_step(self, loss: torch.Tensor) -> None:
        """Every gradient from this forward pass (``loss``'s graph), applied together."""
        self.optimizer.zero_grad(set_to_none=True)
        trained = loss + self.penalty(self.hidden_kernel, self.output_kernel)
        trained.backward()  # autograd: dE/dK_h, dE/dK_o (and the biases') into .grad
        self.optimizer.step()

    def sequential_step(
        self, loss: torch.Tensor, hidden: torch.Tensor, net_output: torch.Tensor
    ) -> torch.Tensor:
        """The output layer's step first, then the hidden layer's through the new K_o;
        returns dE/dK_h as the new K_o carries it."""
        hidden_count = len(self.hidden_layer)
        output_trained = loss + self.penalty(self.output_kernel)
        # dE/dK_o (with K_o's penalty), dE/db_o and the output deltas dE/dnet_o, all
        # from this forward pass (K_o's penalty does not reach net_o)
        *output_gradients, deltas = torch.autograd.grad(
            output_trained, [*self.output_layer, net_output], retain_graph=True
        )
        self.step_layers(dict(enumerate(output_gradients, start=hidden_count)))

        # Through the NEW output kernel: net_o' = out_h @ K_o(new) + b_o, and one
        # vector-Jacobian product of the same deltas, dE/dout_h = dE/dnet_o . K_o(new)^T,
        # carried on through out_h's own graph: dE/dK_h (and dE/db_h) =
        # dE/dout_h . dout_h/dnet_h . dnet_h/dK_h.
        net_output_new = hidden @ self.output_kernel.detach() + self.output_bias.detach()
        hidden_gradients = list(
            torch.autograd.grad(net_output_new, self.hidden_layer, grad_outputs=deltas)
        )
        penalty = self.penalty(self.hidden_kernel)
        if isinstance(penalty, torch.Tensor):  # + d(penalty)/dK_h at the forward pass's K_h
            hidden_gradients[0] += torch.autograd.grad(penalty, self.hidden_kernel)[0]
        self.step_layers(dict(enumerate(hidden_gradients)))
        return hidden_gradients[0]

    def fit(
        self, iterations: int, update: str, steps: Steps = unwatched
    ) -> tuple[dict[str, np.ndarray], bool]:
        """Up to ``iterations`` updates; the history of those that ran (every iteration's
        loss, its batch's first outputs and hidden activations, and the kernels it
        used), and whether the run stopped at a loss below until_loss.  ``steps``
        gives the iterations (numpy_ref's loops take the same: a progress bar)."""
        until_loss, history = self.training.until_loss, self._empty_history(iterations)
        recorded, stopped = 0, False
        for k in steps(iterations, f"PyTorch {update}"):
            first, end = self.example.batch_rows(k)
            _, hidden, net_output, output = self.forward(self.x[first:end])
            loss = self.loss(self.target[first:end], output)
            self._record(history, k, loss, hidden, output)
            recorded = k + 1
            if until_loss is not None and loss.item() < until_loss:
                stopped = True  # stop here, without making this iteration's update
                break
            if update == "sequential":
                self.sequential_step(loss, hidden, net_output)
            else:
                self.parallel_step(loss)
            if self.scheduler is not None:
                self.scheduler.step()
        return {name: array[:recorded].numpy() for name, array in history.items()}, stopped

    def _empty_history(self, iterations: int) -> dict[str, torch.Tensor]:
        shapes = {
            "losses": (),
            "outputs": (2,),
            "hidden": (2,),
            "hidden_kernels": (2, 2),
            "output_kernels": (2, 2),
        }
        return {
            name: torch.empty((iterations, *shape), dtype=self.kind)
            for name, shape in shapes.items()
        }

    @torch.no_grad()
    def _record(
        self,
        history: dict[str, torch.Tensor],
        k: int,
        loss: torch.Tensor,
        hidden: torch.Tensor,
        output: torch.Tensor,
    ) -> None:
        """Iteration k's loss, its batch's first sample, and the kernels it used."""
        history["losses"][k] = loss
        history["outputs"][k] = output[0]
        history["hidden"][k] = hidden[0]
        history["hidden_kernels"][k] = self.hidden_kernel
        history["output_kernels"][k] = self.output_kernel

    @torch.no_grad()
    def final_state(self) -> FinalState:
        """Kernels and biases after training, and the loss and predictions they give
        over every sample."""
        output = self.forward()[3]
        return {
            "hidden_kernel": self.hidden_kernel.numpy().copy(),
            "output_kernel": self.output_kernel.numpy().copy(),
            "biases": tuple(
                np.broadcast_to(bias.numpy(), 2).copy()  # per neuron
                for bias in (self.hidden_bias, self.output_bias)
            ),
            "loss": self.loss(self.target, output).numpy(),
            "predictions": output.numpy().copy(),
        }

    def first_iteration(self, update: str) -> FirstIterationArrays:
        """The first iteration's arrays, every gradient read from .grad after
        loss.backward(); then one update.  In the tutorial's orientation."""
        net_hidden, hidden, net_output, output = self.forward()
        net_output.retain_grad()  # so that .grad keeps dE/dnet_o, the output deltas
        loss = self.loss(self.target, output)
        loss.backward(retain_graph=True)
        gradients = {
            "hidden": _read_grad(self.hidden_kernel).T,
            "output": _read_grad(self.output_kernel).T,
        }
        deltas = _read_grad(net_output)[0]
        if update == "sequential":
            hidden_new = self.sequential_step(loss, hidden, net_output)
            gradients["hidden_new"] = hidden_new.detach().numpy().T.copy()
        else:
            self.parallel_step(loss)
        forward_pass = [t.detach().numpy()[0].copy() for t in (net_hidden, hidden, net_output)]
        forward_pass.append(output.detach().numpy()[0].copy())
        updated = (
            self.hidden_kernel.detach().numpy().T.copy(),
            self.output_kernel.detach().numpy().T.copy(),
        )
        return (*forward_pass, self.target.numpy()[0]), deltas, gradients, updated


def _read_grad(tensor: torch.Tensor) -> np.ndarray:
    """What loss.backward() left in ``tensor.grad``, as a NumPy array."""
    assert tensor.grad is not None, "read after loss.backward()"
    return tensor.grad.numpy().copy()


def train(
    iterations: int = 1000,
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    loss: str = "half-sse",
    training: Training = PLAIN_SGD,
    steps: Steps = unwatched,
) -> TrainingResult:
    """Train with PyTorch autograd and torch.optim; return a numpy_ref TrainingResult.
    ``steps`` gives the iterations, in a progress bar where a command line wants one.
    The optimizer is torch.optim's, whoever's formulas ``training`` names."""
    training = training.for_iterations(iterations).following("pytorch")
    network = TorchNetwork(example, dtype, loss=loss, training=training)
    history, stopped = network.fit(iterations, update, steps)
    return training_result(
        "pytorch",
        history,
        network.final_state(),
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=training,
        stopped=stopped,
        loss=loss,
    )
