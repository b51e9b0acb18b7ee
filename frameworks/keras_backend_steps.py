"""The sequential train_step of keras_backends.py's model, one per backend, each as
Keras's guide to customising fit() on that backend writes one (the parallel order is
Keras's own train_step on both).

JaxSteps: a stateless ``train_step(state, data)``; jax.vjp gives the output layer's
gradients and the output deltas, the optimizer's stateless_apply updates the output
layer, and one more jax.vjp carries the same deltas back through the NEW output
kernel to the hidden layer.  TorchSteps: ``torch.autograd.grad`` (what
``loss.backward()`` computes) gives the output layer's gradients and the deltas,
``optimizer.apply`` updates it, and one vector-Jacobian product carries the deltas
back through the new output kernel.  Keras counts every apply as an update; a
sequential update is two, so the second one is given the count the first saw.

Both record each step's forward pass as one row of the model's history.
"""

import warnings
from typing import Any

import keras
from keras import ops


def sigmoid(net: Any) -> Any:
    return ops.sigmoid(net)


def half_squared_error(target: Any, output: Any) -> Any:
    """The batch's loss: the mean over its samples of E = sum 1/2 (target - out)^2.

    The mean is a sum over the count: keras.ops.mean computes in float32 on the JAX
    and PyTorch backends (result_type maps float64 to float32 there)."""
    each = 0.5 * ops.sum(ops.square(target - output), axis=-1)
    return ops.sum(each) / ops.shape(each)[0]


class JaxSteps(keras.Model):
    """The JAX backend's train_step (the stateless one of "... with JAX")."""

    def jax_train_step(self, state: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
        trainable, non_trainable, optimizer_variables, metrics_variables = state
        x, target = data
        values = dict(zip((id(v) for v in self.trainable_variables), trainable))
        kernels = (values[id(self.hidden_kernel)], values[id(self.output_kernel)])
        biases = [
            self._value(values, b, non_trainable) for b in (self.hidden_bias, self.output_bias)
        ]
        hidden = self.layer(x, kernels[0], biases[0])
        output = self.layer(hidden, kernels[1], biases[1])
        loss = half_squared_error(target, output)
        if self.update == "parallel":
            stock = super().train_step(state, data)
            trainable, non_trainable, optimizer_variables, metrics_variables = stock[1]
            logs = stock[0]
        else:
            trainable, optimizer_variables = self._jax_sequential(
                trainable, non_trainable, optimizer_variables, x, target
            )
            logs, metrics_variables = self._jax_loss_metric(metrics_variables, loss)
        non_trainable = self._jax_record(non_trainable, loss, hidden, output, kernels)
        return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)

    def _value(self, values: dict[int, Any], bias: Any, non_trainable: list[Any]) -> Any:
        """A bias's value in this step: trained (in ``values``) or the constant's."""
        if id(bias) in values:
            return values[id(bias)]
        return non_trainable[[id(v) for v in self.non_trainable_variables].index(id(bias))]

    def _jax_sequential(
        self,
        trainable: list[Any],
        non_trainable: list[Any],
        optimizer_variables: list[Any],
        x: Any,
        target: Any,
    ) -> tuple[list[Any], list[Any]]:
        """The output layer's update first, then the hidden layer's through the new K_o."""
        import jax

        order = [id(v) for v in self.trainable_variables]
        hidden_ids, output_ids = ([id(v) for v in layer] for layer in self.layers_variables)

        def pick(ids: list[int], values: list[Any]) -> list[Any]:
            return [values[order.index(i)] for i in ids]

        def bias(values: list[Any], ids: list[int], variable: Any) -> Any:
            return values[1] if len(ids) > 1 else self._value({}, variable, non_trainable)

        hidden_layer = pick(hidden_ids, trainable)
        hidden, hidden_vjp = jax.vjp(
            lambda layer: self.layer(x, layer[0], bias(layer, hidden_ids, self.hidden_bias)),
            hidden_layer,
        )

        def net_output(layer: list[Any], inputs: Any) -> Any:
            net = ops.einsum("si,ij->sj", inputs, layer[0])
            return net + bias(layer, output_ids, self.output_bias)

        output_layer = pick(output_ids, trainable)
        net, output_vjp = jax.vjp(lambda layer: net_output(layer, hidden), output_layer)
        # the output deltas dE/dnet_o, then dE/dK_o (and dE/db_o), plus the penalty's
        deltas = jax.grad(lambda n: half_squared_error(target, sigmoid(n)))(net)
        (output_gradients,) = output_vjp(deltas)
        output_gradients = self._with_penalty(output_gradients, output_layer)
        gradients = [None] * len(order)
        for i, g in zip(output_ids, output_gradients):
            gradients[order.index(i)] = g
        # Keras counts every apply as an update; a sequential update is two applies,
        # so the second sees (and leaves) the count the first one saw.
        at = [id(v) for v in self.optimizer.variables].index(id(self.optimizer.iterations))
        counted = optimizer_variables[at]
        trainable, optimizer_variables = self._stateless_apply(
            optimizer_variables, gradients, trainable
        )
        # Through the NEW output kernel: one vjp of the same deltas, carried on through
        # out_h's own: dE/dK_h = dE/dnet_o . K_o(new)^T . dout_h/dnet_h . dnet_h/dK_h
        _, through_new = jax.vjp(lambda h: net_output(pick(output_ids, trainable), h), hidden)
        (hidden_cotangent,) = through_new(deltas)
        (hidden_gradients,) = hidden_vjp(hidden_cotangent)
        hidden_gradients = self._with_penalty(hidden_gradients, hidden_layer)
        gradients = [None] * len(order)
        for i, g in zip(hidden_ids, hidden_gradients):
            gradients[order.index(i)] = g
        optimizer_variables = [*optimizer_variables[:at], counted, *optimizer_variables[at + 1 :]]
        return self._stateless_apply(optimizer_variables, gradients, trainable)

    def _stateless_apply(
        self, optimizer_variables: list[Any], gradients: list[Any], trainable: list[Any]
    ) -> tuple[list[Any], list[Any]]:
        """The optimizer's step of the variables that have a gradient (None: left as they
        are, which Keras would warn of, as if a loss had been forgotten)."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Gradients do not exist", UserWarning)
            return self.optimizer.stateless_apply(optimizer_variables, gradients, trainable)

    def _jax_loss_metric(self, metrics_variables: list[Any], loss: Any) -> tuple[dict, list[Any]]:
        """fit()'s loss metric, given this forward pass's E, statelessly."""
        logs, updated, start = {}, [], 0
        for metric in self.metrics:
            own = metrics_variables[start : start + len(metric.variables)]
            start += len(metric.variables)
            if metric.name == "loss":
                own = metric.stateless_update_state(own, loss)
            logs[metric.name] = metric.stateless_result(own)
            updated += list(own)
        return logs, updated

    def _jax_record(
        self, non_trainable: list[Any], loss: Any, hidden: Any, output: Any, kernels: Any
    ) -> list[Any]:
        """The non-trainable values with this step's history row written, and the step
        counted."""
        order = [id(v) for v in self.non_trainable_variables]
        rows, count = order.index(id(self.history_rows)), order.index(id(self.step_count))
        row = self.history_row(loss, hidden, output, kernels)
        values = list(non_trainable)
        values[rows] = ops.slice_update(values[rows], (values[count], 0), row)
        values[count] = values[count] + 1
        return values

    def _with_penalty(self, gradients: list[Any], layer: list[Any]) -> list[Any]:
        """A layer's gradients, the kernel's plus d(penalty)/dK at the forward pass's K."""
        if self.penalty is None:
            return list(gradients)
        import jax

        return [gradients[0] + jax.grad(self.penalty)(layer[0]), *gradients[1:]]


class TorchSteps(keras.Model):
    """The PyTorch backend's train_step (loss.backward() and optimizer.apply, as
    "... with PyTorch")."""

    def torch_train_step(self, data: Any) -> dict[str, Any]:
        import torch

        x, target = data
        kernels = (self.hidden_kernel.value, self.output_kernel.value)
        recorded = [k.detach().clone() for k in kernels]
        if self.update == "parallel":
            with torch.no_grad():  # the forward pass recorded; Keras's step makes its own
                loss, hidden, _, output = self._torch_forward(x, target)
            logs = super().train_step(data)
        else:
            loss, hidden, output = self._torch_sequential(x, target)
            self._loss_tracker.update_state(loss.detach())  # History's mean loss
            # this step's loss, the only metric compiled (fit() reads the epoch's
            # mean from the tracker itself); compute_metrics cost 0.15 ms a step
            logs = {"loss": loss.detach()}
        self._torch_record(loss, hidden, output, recorded)
        return logs

    def _torch_record(self, loss: Any, hidden: Any, output: Any, kernels: Any) -> None:
        """This step's history row (history_parts, as one torch.cat) written into its
        place, and the step counted, both in place as Keras's own assign writes a
        variable (copy_ under no_grad). ops.slice_update would copy the whole history
        on every step, and a dozen keras.ops calls cost some 0.7 ms."""
        import torch

        with torch.no_grad():
            rows, count = self.history_rows.value, self.step_count.value
            parts = self.history_parts(loss, hidden, output, kernels)
            rows[int(count)] = torch.cat([part.to(rows.dtype) for part in parts])
            count.add_(1)

    def _torch_forward(self, x: Any, target: Any) -> tuple[Any, Any, Any, Any]:
        """(E, out_h, net_o, out_o) of the batch, in torch's own operations (einsum,
        sigmoid, sum): those keras.ops would call, without its conversion of every
        argument (30 a step, a quarter of a sequential step's time)."""
        import torch

        # out_h = sigmoid(x @ K_h + b_h); net_o = out_h @ K_o + b_o; out_o = sigmoid(net_o)
        net_hidden = torch.einsum("si,ij->sj", x, self.hidden_kernel.value)
        hidden = torch.sigmoid(net_hidden + self.hidden_bias.value)
        net = torch.einsum("si,ij->sj", hidden, self.output_kernel.value) + self.output_bias.value
        output = torch.sigmoid(net)
        # E = the mean over the batch of sum 1/2 (target - out_o)^2 (a sum over the count)
        each = 0.5 * torch.sum(torch.square(target - output), dim=-1)
        return torch.sum(each) / each.shape[0], hidden, net, output

    def _torch_sequential(self, x: Any, target: Any) -> tuple[Any, Any, Any]:
        """The output layer's update first (Keras's optimizer.apply), then the hidden
        layer's through the new K_o."""
        import torch

        hidden_layer, output_layer = self.layers_variables
        hidden_kernel, output_kernel = self.hidden_kernel.value, self.output_kernel.value
        loss, hidden, net, output = self._torch_forward(x, target)
        trained = loss + (self.penalty(output_kernel) if self.penalty else 0.0)
        # dE/dK_o (dE/db_o) with the penalty's, and the output deltas dE/dnet_o
        *output_gradients, deltas = torch.autograd.grad(
            trained, [v.value for v in output_layer] + [net], retain_graph=True
        )
        self.optimizer.apply(output_gradients, output_layer)
        # Through the NEW output kernel: net_o' = out_h @ K_o(new) + b_o, one
        # vector-Jacobian product of the same deltas, carried on through out_h's graph
        net_new = torch.einsum("si,ij->sj", hidden, self.output_kernel.value.detach())
        hidden_gradients = list(
            torch.autograd.grad(net_new, [v.value for v in hidden_layer], grad_outputs=deltas)
        )
        if self.penalty is not None:
            hidden_gradients[0] = (
                hidden_gradients[0]
                + torch.autograd.grad(self.penalty(hidden_kernel), hidden_kernel)[0]
            )
        with torch.no_grad():  # one update in two applies: the second sees the first's count
            self.optimizer.iterations.value.sub_(1)
        self.optimizer.apply(hidden_gradients, hidden_layer)
        return loss, hidden, output
