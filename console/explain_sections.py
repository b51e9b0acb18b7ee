"""--explain's sections: the first iteration's values, named as the tutorial names them.

Every implementation hands its arrays to values_from_arrays and gets back
the same named values (the forward pass, the output deltas, the eight
gradients, the updated weights), grouped into sections by
value_sections; the NumPy reference also shows the chain-rule product
behind each one (numpy_sections).  console/explain.py sets them beside
the tutorial's published figures."""

import numpy as np

from numpy_ref import MAZUR
from numpy_ref.first_iteration import first_iteration
from numpy_ref.optimizers import Optimizer, OptimizerState

from .explain import Line


def forward_lines(values):
    """Section entries for the forward pass from a dict of named values."""
    names = (
        "net_h1",
        "out_h1",
        "net_h2",
        "out_h2",
        "net_o1",
        "out_o1",
        "net_o2",
        "out_o2",
        "E_o1",
        "E_o2",
        "E_total",
    )
    return [Line(name, values[name]) for name in names]


def gradient_sections(values, update, optimizer_section=None):
    """Deltas, gradients and updated weights, named as the tutorial names them.

    ``values`` holds delta_o1, delta_o2, dE/dw5..dE/dw8, dE/dw1..dE/dw4 (from
    the forward pass's output weights), and for the sequential order also
    dE/dw1..dE/dw4 (new w5..w8); and w1+..w8+.  ``optimizer_section``, if
    given, comes between the gradients and the updated weights.
    """
    sections = [
        ("Output deltas dE/dnet_o", [Line(n, values[n]) for n in ("delta_o1", "delta_o2")]),
        ("Output-layer gradients", [Line(f"dE/dw{k}", values[f"dE/dw{k}"]) for k in (5, 6, 7, 8)]),
        (
            "Hidden-layer gradients, through the forward pass's w5..w8",
            [Line(f"dE/dw{k}", values[f"dE/dw{k}"]) for k in (1, 2, 3, 4)],
        ),
    ]
    if update == "sequential":
        sections.append(
            (
                "Hidden-layer gradients, through the NEW w5..w8 (sequential)",
                [
                    Line(f"dE/dw{k} (new)", values[f"dE/dw{k} (new)"], published_as="-")
                    for k in (1, 2, 3, 4)
                ],
            )
        )
    if optimizer_section:
        sections.append(optimizer_section)
    sections.append(
        (
            f"Updated weights ({update})",
            [Line(f"w{k}+", values[f"w{k}+"]) for k in range(1, 9)],
        )
    )
    return sections


def value_sections(values, update, optimizer=Optimizer(), example=MAZUR, dtype="float64"):
    """The sections of a framework's named values (no chain-rule products).

    With an optimizer other than SGD, its arithmetic for each weight comes
    before the updated weights: the formulas the optimizer follows (Keras's or
    torch.optim's, numpy_ref.optimizers.FORMULAS) fed with this framework's
    own gradients, for the reader to hold its w+ against.
    """
    section = None
    if optimizer.name != "sgd":
        state = _optimizer_state_from_values(optimizer, values, update, example, dtype)
        # describe() names any formulas but Keras's, the project's own
        whose = "" if optimizer.formulas != "keras" else f"{optimizer.formulas_named}, "
        section = (
            f"{_optimizer_heading(optimizer)}, from the gradients above ({whose}in NumPy)",
            optimizer_entries(state),
        )
    return [("Forward pass", forward_lines(values)), *gradient_sections(values, update, section)]


def _optimizer_heading(optimizer):
    return f"Optimizer arithmetic, update t = 1: {optimizer.describe()}"


def _optimizer_state_from_values(optimizer, values, update, example, dtype):
    """An OptimizerState that has made update 1 from the gradients in ``values``."""
    state = OptimizerState(optimizer, dtype, traced=True)
    _, _, w_hidden, w_output = example.arrays(dtype)
    hidden = " (new)" if update == "sequential" else ""  # the gradient the update used
    gradients = {
        "output": [[values["dE/dw5"], values["dE/dw6"]], [values["dE/dw7"], values["dE/dw8"]]],
        "hidden": [
            [values[f"dE/dw{k}{hidden}"] for k in (1, 2)],
            [values[f"dE/dw{k}{hidden}"] for k in (3, 4)],
        ],
    }
    lr = np.dtype(dtype).type(example.learning_rate)
    state.step("output", w_output, np.array(gradients["output"], dtype), lr, 1)
    state.step("hidden", w_hidden, np.array(gradients["hidden"], dtype), lr, 1)
    return state


def optimizer_entries(state):
    """Each weight's optimizer arithmetic in the update ``state`` made, output layer first."""
    entries = []
    for layer, first_weight in (("output", 5), ("hidden", 1)):
        for j in range(2):
            for i in range(2):
                k = first_weight + 2 * j + i
                entries += [
                    Line(f"{what} (w{k})", value, formula, published_as="-")
                    for what, value, formula in state.explained(layer, (j, i))
                ]
    return entries


def values_from_arrays(forward_pass, deltas, gradients, updated):
    """Name the arrays of any implementation with the tutorial's names.

    forward_pass: net_hidden, hidden, net_output, output, target (tutorial
    orientation, shape (2,)); deltas: dE/dnet_o (2,); gradients: {"output":
    (2, 2), "hidden": (2, 2), optionally "hidden_new": (2, 2)} in tutorial
    orientation; updated: (W_hidden+, W_output+).
    """
    net_hidden, hidden, net_output, output, target = forward_pass
    errors = 0.5 * (target - output) ** 2
    values = {
        "net_h1": net_hidden[0],
        "out_h1": hidden[0],
        "net_h2": net_hidden[1],
        "out_h2": hidden[1],
        "net_o1": net_output[0],
        "out_o1": output[0],
        "net_o2": net_output[1],
        "out_o2": output[1],
        "E_o1": errors[0],
        "E_o2": errors[1],
        "E_total": errors.sum(),
        "delta_o1": deltas[0],
        "delta_o2": deltas[1],
    }
    for k, g in enumerate(np.ravel(gradients["hidden"]), start=1):
        values[f"dE/dw{k}"] = g
    for k, g in enumerate(np.ravel(gradients["output"]), start=5):
        values[f"dE/dw{k}"] = g
    if "hidden_new" in gradients:
        for k, g in enumerate(np.ravel(gradients["hidden_new"]), start=1):
            values[f"dE/dw{k} (new)"] = g
    for k, w in enumerate([*np.ravel(updated[0]), *np.ravel(updated[1])], start=1):
        values[f"w{k}+"] = w
    return {name: float(value) for name, value in values.items()}


def _layer_entries(unit, net, out, weights, *, first_weight, inputs, bias):
    """net = w·in1 + w·in2 + b and out = sigmoid(net) for both units of one layer.

    ``unit`` is "h" or "o"; ``inputs`` is ((name, value, format), ...) for the
    layer's two inputs; ``bias`` is (name, value).
    """
    entries = []
    for j in range(2):
        k1, k2 = first_weight + 2 * j, first_weight + 2 * j + 1
        (name1, value1, spec1), (name2, value2, spec2) = inputs
        entries += [
            Line(
                f"net_{unit}{j + 1}",
                net[j],
                f"= w{k1}·{name1} + w{k2}·{name2} + {bias[0]}"
                f" = {weights[j, 0]:g}·{value1:{spec1}} + {weights[j, 1]:g}·{value2:{spec2}}"
                f" + {bias[1]:g}",
            ),
            Line(f"out_{unit}{j + 1}", out[j], f"= 1 / (1 + e^-net_{unit}{j + 1})"),
        ]
    return entries


def _forward_entries(it):
    """net_h, out_h, net_o, out_o and the errors, each with the sum it comes from."""
    inputs = (("i1", it.x[0], "g"), ("i2", it.x[1], "g"))
    hidden = (("out_h1", it.hidden[0], ".9f"), ("out_h2", it.hidden[1], ".9f"))
    entries = [
        *_layer_entries(
            "h",
            it.net_hidden,
            it.hidden,
            it.w_hidden,
            first_weight=1,
            inputs=inputs,
            bias=("b1", it.b_hidden),
        ),
        *_layer_entries(
            "o",
            it.net_output,
            it.output,
            it.w_output,
            first_weight=5,
            inputs=hidden,
            bias=("b2", it.b_output),
        ),
    ]
    entries += [
        Line(
            f"E_o{j + 1}",
            it.errors[j],
            f"= 1/2 (target_o{j + 1} - out_o{j + 1})^2"
            f" = 1/2 ({it.target[j]:g} - {it.output[j]:.9f})^2",
        )
        for j in range(2)
    ]
    entries.append(Line("E_total", it.errors.sum(), "= E_o1 + E_o2"))
    return entries


def _delta_entries(it):
    """delta_o = dE/dout_o · dout_o/dnet_o."""
    return [
        Line(
            f"delta_o{j + 1}",
            it.delta_output[j],
            f"= dE/dout_o{j + 1} · dout_o{j + 1}/dnet_o{j + 1}"
            f" = {it.d_error_d_output[j]:.9f} · {it.output_sigmoid_slope[j]:.9f}",
        )
        for j in range(2)
    ]


def _output_gradient_entries(it):
    """dE/dw5..dE/dw8 = dE/dout_o · dout_o/dnet_o · out_h."""
    entries = []
    for j in range(2):
        for i in range(2):
            k = 5 + 2 * j + i
            entries.append(
                Line(
                    f"dE/dw{k}",
                    it.delta_output[j] * it.hidden[i],
                    f"= dE/dout_o{j + 1} · dout_o{j + 1}/dnet_o{j + 1} · dnet_o{j + 1}/dw{k}"
                    f" = {it.d_error_d_output[j]:.9f} · {it.output_sigmoid_slope[j]:.9f}"
                    f" · {it.hidden[i]:.9f}",
                )
            )
    return entries


def _hidden_gradient_entries(it, w_output, suffix, published_as=""):
    """dE/dout_h through ``w_output``, then dE/dw1..dE/dw4 = dE/dout_h · dout_h/dnet_h · i."""
    d_hidden = it.d_error_d_hidden(w_output)
    delta = it.delta_output
    entries = [
        Line(
            f"dE/dout_h{j + 1}{suffix}",
            d_hidden[j],
            f"= delta_o1·w{5 + j} + delta_o2·w{7 + j}"
            f" = {delta[0]:.9f}·{w_output[0, j]:.9g} + {delta[1]:.9f}·{w_output[1, j]:.9g}",
            published_as="-",
        )
        for j in range(2)
    ]
    for j in range(2):
        for i in range(2):
            k = 1 + 2 * j + i
            entries.append(
                Line(
                    f"dE/dw{k}{suffix}",
                    d_hidden[j] * it.hidden_sigmoid_slope[j] * it.x[i],
                    f"= dE/dout_h{j + 1} · dout_h{j + 1}/dnet_h{j + 1} · dnet_h{j + 1}/dw{k}"
                    f" = {d_hidden[j]:.9f} · {it.hidden_sigmoid_slope[j]:.9f} · {it.x[i]:g}",
                    published_as=published_as,
                )
            )
    return entries


def _updated_weight_entries(it):
    """w+ = w - lr · dE/dw (or w + the optimizer's step), read back from the new weights."""
    old = [*it.w_hidden.ravel(), *it.w_output.ravel()]
    new = [*it.new_w_hidden.ravel(), *it.new_w_output.ravel()]
    hidden_suffix = " (new)" if it.update == "sequential" else ""
    lr = it.learning_rate
    if it.optimizer_state.rule.name != "sgd":
        return [
            Line(
                f"w{k}+",
                new[k - 1],
                f"= w{k} + step (w{k}) = {old[k - 1]:g} + {new[k - 1] - old[k - 1]:.9f}",
            )
            for k in range(1, 9)
        ]
    return [
        Line(
            f"w{k}+",
            new[k - 1],
            f"= w{k} - lr · dE/dw{k}{hidden_suffix if k <= 4 else ''}"
            f" = {old[k - 1]:g} - {lr:g} · {(old[k - 1] - new[k - 1]) / lr:.9f}",
        )
        for k in range(1, 9)
    ]


def numpy_sections(update="parallel", example=MAZUR, dtype="float64", optimizer=Optimizer()):
    """The NumPy reference's first iteration in ``dtype``: each value with its chain-rule
    product."""
    it = first_iteration(update, example, dtype, optimizer)
    sections = [
        ("Forward pass", _forward_entries(it)),
        ("Output deltas dE/dnet_o", _delta_entries(it)),
        ("Output-layer gradients", _output_gradient_entries(it)),
        (
            "Hidden-layer gradients, through the forward pass's w5..w8",
            _hidden_gradient_entries(it, it.w_output, ""),
        ),
    ]
    if update == "sequential":
        sections.append(
            (
                "Hidden-layer gradients, through the NEW w5..w8 (sequential)",
                _hidden_gradient_entries(it, it.new_w_output, " (new)", published_as="-"),
            )
        )
    if optimizer.name != "sgd":
        sections.append((_optimizer_heading(optimizer), optimizer_entries(it.optimizer_state)))
    sections.append((f"Updated weights ({update})", _updated_weight_entries(it)))
    return sections
