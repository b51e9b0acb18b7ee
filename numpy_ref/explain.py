"""--explain: the tutorial's first iteration, number by number, beside its published figures.

Every implementation hands ``format_explanation`` the same named values (the
forward pass, the output deltas, the eight gradients, the updated weights);
the NumPy reference also hands over the chain-rule product behind each one.
A value the tutorial prints is shown beside ours, with whether the two agree
at the tutorial's printed precision.
"""

from dataclasses import dataclass

import numpy as np

from .example import MAZUR
from .network import forward, output_deltas, sigmoid

#: Figures the tutorial publishes for its first iteration, as printed
#: (../shared/reference/mazur-numbers.md).  The number of decimals printed is
#: the precision at which ours must agree.
PUBLISHED = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
    "dE/dw5": "0.082167041",
    "dE/dw6": "0.08266763",
    "dE/dw7": "-0.02260254",
    "dE/dw8": "-0.02274024",
    "dE/dw1": "0.000438568",
    "dE/dw2": "0.00087714",
    "dE/dw3": "0.00049771",
    "dE/dw4": "0.00099543",
    "w5+": "0.35891648",
    "w6+": "0.408666186",
    "w7+": "0.511301270",
    "w8+": "0.561370121",
}
#: The updated hidden weights depend on the order; the tutorial's worked
#: step is parallel, and the reference file gives the sequential ones.
PUBLISHED_HIDDEN_UPDATE = {
    "parallel": {"w1+": "0.149780716", "w2+": "0.19956143",
                 "w3+": "0.24975114", "w4+": "0.29950229"},
    "sequential": {"w1+": "0.14981764", "w2+": "0.19963528",
                   "w3+": "0.24978819", "w4+": "0.29957637"},
}


@dataclass
class Line:
    name: str  # the tutorial's name, e.g. "dE/dw5"
    value: float
    formula: str = ""  # the product or sum the value comes from, if shown
    published_as: str = ""  # the key in PUBLISHED, when it differs from name


def agrees(value, published):
    """Whether ``value`` rounds to the published figure at its printed decimals."""
    decimals = len(published.split(".")[1]) if "." in published else 0
    return round(float(value), decimals) == round(float(published), decimals)


def published_figures(update):
    return {**PUBLISHED, **PUBLISHED_HIDDEN_UPDATE[update]}


def format_explanation(title, sections, update):
    """The explanation as text: one line per value, the tutorial's figure beside it."""
    figures = published_figures(update)
    lines = [title, "", "name               ours          tutorial     agree",
             "-" * 54]
    checked = agreed = 0
    for heading, entries in sections:
        lines += ["", heading]
        for entry in entries:
            published = figures.get(entry.published_as or entry.name)
            if published is None:
                verdict, shown = "", "-"
            else:
                checked += 1
                ok = agrees(entry.value, published)
                agreed += ok
                verdict, shown = ("yes" if ok else "NO"), published
            lines.append(f"  {entry.name:<16} {entry.value:>13.9f}  {shown:>12}  {verdict}".rstrip())
            lines += _formula_lines(entry.formula)
    lines += ["", f"{agreed} of {checked} published figures agree at the tutorial's precision."]
    return "\n".join(lines)


def _formula_lines(formula, indent="      ", width=80):
    """The formula on one line, or one '= ...' step per line when too wide."""
    if not formula:
        return []
    if len(indent) + len(formula) <= width:
        return [indent + formula]
    steps = formula.removeprefix("= ").split(" = ")
    return [f"{indent}= {step}" for step in steps]


def forward_lines(values):
    """Section entries for the forward pass from a dict of named values."""
    names = ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1",
             "net_o2", "out_o2", "E_o1", "E_o2", "E_total")
    return [Line(name, values[name]) for name in names]


def gradient_sections(values, update):
    """Deltas, gradients and updated weights, named as the tutorial names them.

    ``values`` holds delta_o1, delta_o2, dE/dw5..dE/dw8, dE/dw1..dE/dw4 (from
    the forward pass's output weights), and for the sequential order also
    dE/dw1..dE/dw4 (new w5..w8); and w1+..w8+.
    """
    sections = [
        ("Output deltas dE/dnet_o", [Line(n, values[n]) for n in ("delta_o1", "delta_o2")]),
        ("Output-layer gradients", [Line(f"dE/dw{k}", values[f"dE/dw{k}"]) for k in (5, 6, 7, 8)]),
        ("Hidden-layer gradients, through the forward pass's w5..w8",
         [Line(f"dE/dw{k}", values[f"dE/dw{k}"]) for k in (1, 2, 3, 4)]),
    ]
    if update == "sequential":
        sections.append((
            "Hidden-layer gradients, through the NEW w5..w8 (sequential)",
            [Line(f"dE/dw{k} (new)", values[f"dE/dw{k} (new)"], published_as="-")
             for k in (1, 2, 3, 4)],
        ))
    sections.append((
        f"Updated weights ({update})",
        [Line(f"w{k}+", values[f"w{k}+"]) for k in range(1, 9)],
    ))
    return sections


def format_values(title, values, update):
    """The explanation of a framework's named values (no chain-rule products)."""
    sections = [("Forward pass", forward_lines(values)), *gradient_sections(values, update)]
    return format_explanation(title, sections, update)


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
        "net_h1": net_hidden[0], "out_h1": hidden[0], "net_h2": net_hidden[1],
        "out_h2": hidden[1], "net_o1": net_output[0], "out_o1": output[0],
        "net_o2": net_output[1], "out_o2": output[1], "E_o1": errors[0],
        "E_o2": errors[1], "E_total": errors.sum(),
        "delta_o1": deltas[0], "delta_o2": deltas[1],
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


def numpy_sections(update="parallel", example=MAZUR):
    """The NumPy reference's first iteration: each value with its chain-rule product."""
    x, target, w_h, w_o = example.arrays("float64")
    b1, b2, lr = example.hidden_bias, example.output_bias, example.learning_rate
    net_h = w_h @ x + b1
    hidden, output = forward(x, w_h, w_o, b1, b2)
    net_o = w_o @ hidden + b2
    d_out = output - target  # dE/dout_o
    d_sigmoid_o = output * (1 - output)  # dout_o/dnet_o
    delta_o = output_deltas(target, output)
    w_o_new = w_o - lr * np.outer(delta_o, hidden)
    d_sigmoid_h = hidden * (1 - hidden)  # dout_h/dnet_h

    forward_entries = []
    for j in range(2):  # h1, h2
        k1, k2 = 2 * j + 1, 2 * j + 2
        forward_entries += [
            Line(f"net_h{j + 1}", net_h[j],
                 f"= w{k1}·i1 + w{k2}·i2 + b1 = {w_h[j, 0]:g}·{x[0]:g} + {w_h[j, 1]:g}·{x[1]:g} + {b1:g}"),
            Line(f"out_h{j + 1}", sigmoid(net_h[j]), f"= 1 / (1 + e^-net_h{j + 1})"),
        ]
    for j in range(2):  # o1, o2
        k1, k2 = 2 * j + 5, 2 * j + 6
        forward_entries += [
            Line(f"net_o{j + 1}", net_o[j],
                 f"= w{k1}·out_h1 + w{k2}·out_h2 + b2 = {w_o[j, 0]:g}·{hidden[0]:.9f}"
                 f" + {w_o[j, 1]:g}·{hidden[1]:.9f} + {b2:g}"),
            Line(f"out_o{j + 1}", output[j], f"= 1 / (1 + e^-net_o{j + 1})"),
        ]
    errors = 0.5 * (target - output) ** 2
    forward_entries += [
        Line("E_o1", errors[0], f"= 1/2 (target_o1 - out_o1)^2 = 1/2 ({target[0]:g} - {output[0]:.9f})^2"),
        Line("E_o2", errors[1], f"= 1/2 (target_o2 - out_o2)^2 = 1/2 ({target[1]:g} - {output[1]:.9f})^2"),
        Line("E_total", errors.sum(), "= E_o1 + E_o2"),
    ]

    delta_entries = [
        Line(f"delta_o{j + 1}", delta_o[j],
             f"= dE/dout_o{j + 1} · dout_o{j + 1}/dnet_o{j + 1} = {d_out[j]:.9f} · {d_sigmoid_o[j]:.9f}")
        for j in range(2)
    ]
    output_entries = []
    for j in range(2):
        for i in range(2):
            k = 5 + 2 * j + i
            output_entries.append(Line(
                f"dE/dw{k}", delta_o[j] * hidden[i],
                f"= dE/dout_o{j + 1} · dout_o{j + 1}/dnet_o{j + 1} · dnet_o{j + 1}/dw{k}"
                f" = {d_out[j]:.9f} · {d_sigmoid_o[j]:.9f} · {hidden[i]:.9f}"))

    def hidden_entries(weights, suffix, published_as=None):
        d_hidden = weights.T @ delta_o  # dE/dout_h = sum over o of delta_o · w(h->o)
        entries = [
            Line(f"dE/dout_h{j + 1}{suffix}", d_hidden[j],
                 f"= delta_o1·w{5 + j} + delta_o2·w{7 + j}"
                 f" = {delta_o[0]:.9f}·{weights[0, j]:.9g} + {delta_o[1]:.9f}·{weights[1, j]:.9g}",
                 published_as="-")
            for j in range(2)
        ]
        for j in range(2):
            for i in range(2):
                k = 1 + 2 * j + i
                name = f"dE/dw{k}{suffix}"
                entries.append(Line(
                    name, d_hidden[j] * d_sigmoid_h[j] * x[i],
                    f"= dE/dout_h{j + 1} · dout_h{j + 1}/dnet_h{j + 1} · dnet_h{j + 1}/dw{k}"
                    f" = {d_hidden[j]:.9f} · {d_sigmoid_h[j]:.9f} · {x[i]:g}",
                    published_as=published_as or ""))
        return entries

    sections = [
        ("Forward pass", forward_entries),
        ("Output deltas dE/dnet_o", delta_entries),
        ("Output-layer gradients", output_entries),
        ("Hidden-layer gradients, through the forward pass's w5..w8", hidden_entries(w_o, "")),
    ]
    carrying = w_o
    if update == "sequential":
        sections.append((
            "Hidden-layer gradients, through the NEW w5..w8 (sequential)",
            hidden_entries(w_o_new, " (new)", published_as="-"),
        ))
        carrying = w_o_new
    w_h_new = w_h - lr * np.outer((carrying.T @ delta_o) * d_sigmoid_h, x)
    old = [*w_h.ravel(), *w_o.ravel()]
    new = [*w_h_new.ravel(), *w_o_new.ravel()]
    hidden_suffix = " (new)" if update == "sequential" else ""
    updated = [
        Line(f"w{k}+", new[k - 1],
             f"= w{k} - lr · dE/dw{k}{hidden_suffix if k <= 4 else ''}"
             f" = {old[k - 1]:g} - {lr:g} · {(old[k - 1] - new[k - 1]) / lr:.9f}")
        for k in range(1, 9)
    ]
    sections.append((f"Updated weights ({update})", updated))
    return sections
